"""kill -9 at any moment: every acknowledged import, alias and state change survives a restart."""
import os

import pytest

from byok import byok
from conftest import TrentServer, make_client


def test_acknowledged_changes_survive_sigkill(own_server):
    kms = make_client(own_server)
    material = os.urandom(32)
    imported = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok(kms, imported, material, algorithm="RSA_AES_KEY_WRAP_SHA_256")
    ct = kms.encrypt(KeyId=imported, Plaintext=b"durable", EncryptionContext={"a": "b"})["CiphertextBlob"]
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    doomed = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=10)
    kms.create_alias(AliasName="alias/durable", TargetKeyId=imported)
    pending = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = kms.get_parameters_for_import(KeyId=pending, WrappingAlgorithm="RSAES_OAEP_SHA_1", WrappingKeySpec="RSA_2048")

    own_server.restart(kill=True)
    kms = make_client(own_server)
    assert kms.describe_key(KeyId="alias/durable")["KeyMetadata"]["KeyId"] == imported
    assert kms.describe_key(KeyId=imported)["KeyMetadata"]["KeyState"] == "Enabled"
    assert kms.decrypt(CiphertextBlob=ct, EncryptionContext={"a": "b"})["Plaintext"] == b"durable"
    assert kms.describe_key(KeyId=disabled)["KeyMetadata"]["KeyState"] == "Disabled"
    assert kms.describe_key(KeyId=doomed)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    # Import parameters issued before the crash are still honoured.
    from byok import wrap
    kms.import_key_material(KeyId=pending, ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=wrap(material, params["PublicKey"], "RSAES_OAEP_SHA_1"),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.describe_key(KeyId=pending)["KeyMetadata"]["KeyState"] == "Enabled"
    assert len(own_server.audit_lookup("--event-name", "ImportKeyMaterial")) == 2


@pytest.mark.sqlite_only("the audit journal belongs to the SQLite store")
def test_records_of_calls_that_change_nothing_survive_sigkill(workdir):
    """Encrypt and DescribeKey are answered once their record is in the audit journal; killed
    before the journal moved into the database (here it would move only after an hour), the server
    moves it in when it starts again: none is lost, none is doubled."""
    server = TrentServer(os.path.join(workdir, "journal-sigkill"), unsafe_clock=False,
                         extra_args=["--unsafe-audit-journal-flush-seconds", "3600"]).start()
    try:
        kms = make_client(server)
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        ids = set()
        for i in range(120):
            response = kms.encrypt(KeyId=key, Plaintext=b"x") if i % 2 else kms.describe_key(KeyId=key)
            ids.add(response["ResponseMetadata"]["RequestId"])
        journal = os.path.join(server.data_dir, "trent.sqlite-audit.journal")
        # The records are there, not yet in the database. (A periodic reader — the audit roll's
        # count, the expiry sweep — moves the journal in first; one that just did so leaves it
        # empty until the next call.)
        for _ in range(5):
            if os.path.getsize(journal) > 0:
                break
            ids.add(kms.describe_key(KeyId=key)["ResponseMetadata"]["RequestId"])
        assert os.path.getsize(journal) > 0
        server.restart(kill=True)
        seen = [r["requestID"] for r in server.audit_lookup("--key-id", key, "--max-results", "1000")
                if r["eventName"] in ("Encrypt", "DescribeKey")]
        assert len(seen) == len(set(seen)) == len(ids) >= 120
        assert set(seen) == ids
        assert os.path.getsize(journal) == 0
    finally:
        server.stop()


def test_data_directory_layout(own_server):
    root_key = os.path.join(own_server.data_dir, "root.key")
    assert oct(os.stat(root_key).st_mode & 0o777) == "0o600"
    assert os.path.getsize(root_key) == 32
    kms = make_client(own_server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    byok(kms, key, material)
    own_server.stop()
    # Key material is sealed at rest: the plaintext bytes are nowhere in the data directory.
    own_server.start()
    own_server.roll_audit()
    own_server.stop()
    for folder, _, names in os.walk(own_server.data_dir):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                assert material not in f.read()
    own_server.start()


def test_time_travel_needs_the_unsafe_flag(workdir):
    import urllib.error
    import urllib.request

    import pytest

    from conftest import TrentServer

    server = TrentServer(os.path.join(workdir, "no-clock"), unsafe_clock=False).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            server.set_clock(3600)
        assert e.value.code == 404
        assert "UNSAFE TEST CLOCK" not in server.read_log()
    finally:
        server.stop()
    flagged = TrentServer(os.path.join(workdir, "with-clock")).start()
    try:
        assert "UNSAFE TEST CLOCK ENABLED" in flagged.read_log()
    finally:
        flagged.stop()
