"""Root key rotation on a running server: everything sealed is re-sealed under a new root key
while requests keep being answered; afterwards the old root key opens nothing."""
import json
import os
import shutil
import subprocess
import threading

import pytest
from botocore.exceptions import ClientError

from byok import byok
from conftest import TRENT_BIN, TrentServer, make_client

# Root key rotation is refused on a shared PostgreSQL store (each node holds its own root key copy).
pytestmark = pytest.mark.sqlite_only("root key rotation")


def rotate(server):
    p = subprocess.run([TRENT_BIN, "root-key", "rotate", "--data-dir", server.data_dir, "--timeout", "120"],
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout)


ROTATED_JOURNALS = shutil.ignore_patterns("*.journal.[0-9]*")


def copy_live(source, target, ignore):
    """copytree of a live data directory. The audit journal rotates by renaming the live journal
    and opening a new one, so a journal file listed a moment ago can be gone when it is copied
    (its records are in the database or the next journal): that file is left out."""
    def copy(src, dst):
        try:
            return shutil.copy2(src, dst)
        except FileNotFoundError:
            if ".journal" not in os.path.basename(src):
                raise
    shutil.copytree(source, target, ignore=ignore, copy_function=copy)


def test_rotation_without_downtime(own_server, tmp_path):
    kms = make_client(own_server)
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    imported = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    byok(kms, imported, material)
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.rotate_key_on_demand(KeyId=symmetric)
    old_blobs = {k: kms.encrypt(KeyId=k, Plaintext=k.encode())["CiphertextBlob"] for k in (symmetric, imported)}
    root_path = os.path.join(own_server.data_dir, "root.key")
    old_root = open(root_path, "rb").read()
    before = tmp_path / "before"
    # A live data directory: the audit journal's rotated files come and go every few milliseconds
    # (their records are in the database or the live journal), so the copy leaves them out.
    copy_live(own_server.data_dir, before, ROTATED_JOURNALS)

    # Traffic all through the rotation: not one request may fail.
    errors, stop = [], threading.Event()

    def traffic():
        client = make_client(own_server)
        while not stop.is_set():
            try:
                blob = client.encrypt(KeyId=symmetric, Plaintext=b"during")["CiphertextBlob"]
                assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"during"
                client.create_key(Description="created during the rotation")
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                errors.append(e)
    threads = [threading.Thread(target=traffic) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        status = rotate(own_server)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert status["state"] == "completed" and status["materialsResealed"] >= 4

    new_root = open(root_path, "rb").read()
    assert len(new_root) == 32 and new_root != old_root
    for key, blob in old_blobs.items():
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == key.encode()
    kms.sign(KeyId=signing, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    own_server.restart()
    kms = make_client(own_server)
    for key, blob in old_blobs.items():
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == key.encode()
    assert kms.describe_key(KeyId=imported)["KeyMetadata"]["KeyState"] == "Enabled"
    assert rotate(own_server)["state"] == "completed"  # and again
    assert own_server.audit_validate()[0] == 0

    # The current database with the old root key opens nothing.
    stale = tmp_path / "stale"
    copy_live(own_server.data_dir, stale, shutil.ignore_patterns("root.key", "*.journal.[0-9]*"))
    (stale / "root.key").write_bytes(old_root)
    os.chmod(stale / "root.key", 0o600)
    os.remove(stale / "credentials.json")
    p = subprocess.run([TRENT_BIN, "serve", "--data-dir", str(stale), "--port", "0"], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0  # not even the audit signing key opens
    # ...while the copy taken before the rotation still works with it: rotation changes the live store only.
    server = TrentServer(str(before)).start()
    try:
        assert make_client(server).decrypt(CiphertextBlob=old_blobs[symmetric])["Plaintext"] == symmetric.encode()
    finally:
        server.stop()


def test_import_parameters_survive_but_old_tokens_do_not(own_server):
    kms = make_client(own_server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    rotate(own_server)
    from byok import wrap
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=key, ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrap(os.urandom(32), params["PublicKey"], "RSAES_OAEP_SHA_256"),
                                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert e.value.response["Error"]["Code"] == "InvalidImportTokenException"
    byok(kms, key, os.urandom(32))
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_rotation_needs_a_running_server(tmp_path):
    (tmp_path / "d").mkdir()
    p = subprocess.run([TRENT_BIN, "root-key", "rotate", "--data-dir", str(tmp_path / "d"), "--timeout", "1"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "no Trent data directory" in p.stderr

