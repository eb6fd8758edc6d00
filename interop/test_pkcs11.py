"""The root key sealed by a PKCS#11 token (SoftHSM2 from Debian): the data directory alone —
database, sealed root key, everything — opens nothing without the token and its PIN."""
import os
import shutil
import subprocess

import pytest

from byok import byok
from conftest import SOFTHSM_MODULE as MODULE, TRENT_BIN, TrentServer, make_client



def token_args(token="trent", pin_var="TRENT_TEST_PIN"):
    return ["--root-key-pkcs11-module", MODULE, "--root-key-pkcs11-token", token, "--root-key-pkcs11-pin-source", f"env:{pin_var}"]


def serve_fails(data_dir, args, env):
    p = subprocess.run([TRENT_BIN, "serve", "--data-dir", str(data_dir), "--port", "0", *args], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    return p.stderr


@pytest.mark.sqlite_only("copies a data directory, store included, and rotates the root key")
def test_root_key_in_a_token(hsm, tmp_path):
    data = tmp_path / "data"
    server = TrentServer(str(data), extra_args=token_args(), env=hsm).start()
    try:
        kms = make_client(server)
        material = os.urandom(32)
        key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        byok(kms, key, material)
        blob = kms.encrypt(KeyId=key, Plaintext=b"sealed by the token")["CiphertextBlob"]
        server.restart()
        assert make_client(server).decrypt(CiphertextBlob=blob)["Plaintext"] == b"sealed by the token"
    finally:
        server.stop()
    assert not (data / "root.key").exists()
    assert (data / "root.key.token").stat().st_size == 60
    # The material is nowhere in the data directory, in any form Trent wrote it.
    for root, _, files in os.walk(data):
        for name in files:
            assert material not in (open(os.path.join(root, name), "rb").read()), name

    # A copy of the data directory without the token opens nothing.
    copy = tmp_path / "copy"
    shutil.copytree(data, copy)
    assert "sealed by a PKCS#11 token" in serve_fails(copy, [], hsm)
    assert "refused the PIN" in serve_fails(copy, token_args(pin_var="TRENT_OTHER_PIN"), hsm)
    assert "no AES key labelled" in serve_fails(copy, token_args(token="other", pin_var="TRENT_OTHER_PIN"), hsm)
    assert "no PKCS#11 token labelled" in serve_fails(copy, token_args(token="missing"), hsm)
    # With the token, the copy serves the same keys, and its root key rotates inside the token.
    server = TrentServer(str(copy), extra_args=token_args(), env=hsm).start()
    try:
        assert make_client(server).decrypt(CiphertextBlob=blob)["Plaintext"] == b"sealed by the token"
        sealed_before = (copy / "root.key.token").read_bytes()
        p = subprocess.run([TRENT_BIN, "root-key", "rotate", "--data-dir", str(copy)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert (copy / "root.key.token").read_bytes() != sealed_before and (copy / "root.key.token").stat().st_size == 60
        server.restart()
        assert make_client(server).decrypt(CiphertextBlob=blob)["Plaintext"] == b"sealed by the token"
    finally:
        server.stop()


def test_a_file_root_key_and_a_token_do_not_mix(hsm, tmp_path):
    server = TrentServer(str(tmp_path / "file-data"), env=hsm).start()
    server.stop()
    assert "root key is a file" in serve_fails(tmp_path / "file-data", token_args(), hsm)
