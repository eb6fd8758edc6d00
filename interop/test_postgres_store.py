"""What only the shared PostgreSQL store does (these run when the suite runs on PostgreSQL,
TRENT_INTEROP_STORE=postgres; the rest of the suite runs there too)."""
import json
import subprocess

import pytest

from conftest import ON_POSTGRES, TRENT_BIN

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL store only")


def test_rotation_is_refused_on_a_shared_store(own_server):
    """Each node holds its own copy of the root key: a new version would reach one node only."""
    p = subprocess.run([TRENT_BIN, "root-key", "rotate", "--data-dir", own_server.data_dir, "--timeout", "60"],
                       capture_output=True, text=True, timeout=90)
    assert p.returncode == 1, p.stdout + p.stderr
    status = json.loads(p.stdout)
    assert status["state"] == "failed" and "shared PostgreSQL store" in status["error"]


def test_the_banner_names_the_store(own_server):
    log = own_server.read_log()
    assert "store: PostgreSQL at postgres://" in log


def test_store_copy_moves_a_sqlite_store_into_postgresql(workdir):
    import os
    import random

    from byok import byok, wrap
    from conftest import TrentServer, make_client, postgres_store

    data = os.path.join(workdir, f"copy-{random.randrange(1 << 30)}")
    sqlite = "sqlite:" + os.path.join(data, "trent.sqlite")
    old = TrentServer(data, extra_args=["--store", sqlite]).start()
    kms = make_client(old)
    imported = kms.create_key(Origin="EXTERNAL", Tags=[{"TagKey": "team", "TagValue": "payments"}])["KeyMetadata"]["KeyId"]
    byok(kms, imported, os.urandom(32))
    kms.create_alias(AliasName="alias/moved", TargetKeyId=imported)
    generated = kms.create_key()["KeyMetadata"]["KeyId"]
    grant = kms.create_grant(KeyId=generated, GranteePrincipal=f"arn:aws:iam::111122223333:user/alice", Operations=["Encrypt"])["GrantId"]
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    blobs = [(kms.encrypt(KeyId=k, Plaintext=f"before the move {k}".encode())["CiphertextBlob"], k) for k in (imported, generated)]
    signature = kms.sign(KeyId=signing, Message=b"signed on SQLite", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    pending = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = kms.get_parameters_for_import(KeyId=pending, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    old.roll_audit()
    old.stop()

    target = postgres_store(data + "-pg")
    copy = subprocess.run([TRENT_BIN, "store", "copy", "--from", sqlite, "--to", target], capture_output=True, text=True, timeout=120)
    assert copy.returncode == 0, copy.stdout + copy.stderr
    assert "4 keys" in copy.stdout and "1 aliases" in copy.stdout and "1 grants" in copy.stdout and "1 import parameter sets" in copy.stdout
    again = subprocess.run([TRENT_BIN, "store", "copy", "--from", sqlite, "--to", target], capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "not empty" in again.stderr

    # The same data directory (root key, audit signing key, audit files), now on PostgreSQL.
    new = TrentServer(data, extra_args=["--store", target]).start()
    try:
        kms = make_client(new)
        for blob, key in blobs:
            assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == f"before the move {key}".encode()
        assert kms.verify(KeyId=signing, Message=b"signed on SQLite", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
        assert kms.list_aliases(KeyId=imported)["Aliases"][0]["AliasName"] == "alias/moved"
        assert kms.list_resource_tags(KeyId=imported)["Tags"] == [{"TagKey": "team", "TagValue": "payments"}]
        assert [g["GrantId"] for g in kms.list_grants(KeyId=generated)["Grants"]] == [grant]
        # An import token issued before the move is honoured after it.
        kms.import_key_material(KeyId=pending, ImportToken=params["ImportToken"], ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
                                EncryptedKeyMaterial=wrap(os.urandom(32), params["PublicKey"], "RSAES_OAEP_SHA_256"))
        assert kms.describe_key(KeyId=pending)["KeyMetadata"]["KeyState"] == "Enabled"
        # The audit log goes on: old records are there, delivered once, and the digest chain continues.
        lookup = subprocess.run([TRENT_BIN, "audit", "lookup", "--store", target, "--key-id", imported], check=True, capture_output=True, text=True)
        names = [r["eventName"] for r in json.loads(lookup.stdout)["Records"]]
        assert names[-1] == "CreateKey" and "ImportKeyMaterial" in names
        new.roll_audit()
        code, out = new.audit_validate()
        assert code == 0, out
    finally:
        new.stop()


def test_migrate_is_idempotent(workdir):
    import os

    from conftest import postgres_store
    store = postgres_store(os.path.join(workdir, "migrate-twice"))
    for _ in range(2):
        p = subprocess.run([TRENT_BIN, "migrate", "--store", store], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "up to date" in p.stdout, p.stdout + p.stderr
    bad = subprocess.run([TRENT_BIN, "migrate", "--store", "postgres://nobody@127.0.0.1:1/none?sslmode=disable"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "PostgreSQL" in bad.stderr
    wrong = subprocess.run([TRENT_BIN, "migrate", "--store", "mysql://x"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode != 0 and "--store must be sqlite:PATH or postgres://" in wrong.stderr


def postgres_ca():
    import os
    path = os.environ.get("TRENT_TEST_POSTGRES_CA", "/tmp/trent-test-postgres/tls/ca.pem")
    if not os.path.exists(path):
        pytest.skip("the test PostgreSQL has no TLS certificate (scripts/start-test-postgres.sh makes one)")
    return path


def test_tls_to_the_database(workdir, tmp_path):
    import os

    from conftest import TrentServer, make_client, postgres_store
    ca = postgres_ca()
    base = postgres_store(os.path.join(workdir, "tls-store"))
    verified = f"{base}&sslmode=verify-full&sslrootcert={ca}"
    p = subprocess.run([TRENT_BIN, "migrate", "--store", verified], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    # Another authority's certificate is not trusted: no connection, and the reason in words.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other CA",
                    "-keyout", str(tmp_path / "other.key"), "-out", str(tmp_path / "other.pem")], check=True, capture_output=True)
    p = subprocess.run([TRENT_BIN, "migrate", "--store", f"{base}&sslmode=verify-full&sslrootcert={tmp_path / 'other.pem'}"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "cannot connect to PostgreSQL" in p.stderr, p.stderr
    # A server on TLS: its connections to the database are encrypted.
    server = TrentServer(os.path.join(workdir, "tls-node"), extra_args=["--store", verified]).start()
    try:
        make_client(server).create_key()
        # This node's own connections (by their source ports) are the ones PostgreSQL sees as TLS.
        sockets = subprocess.run(["ss", "-tnpH", "state", "established", "dst", "127.0.0.1:55432"], capture_output=True, text=True, check=True)
        ports = [line.split()[2].rsplit(":", 1)[1] for line in sockets.stdout.splitlines() if f"pid={server.proc.pid}," in line]
        assert ports, sockets.stdout
        psql = subprocess.run(["psql", os.environ["TRENT_TEST_POSTGRES_URL"], "-tAc",
                               "SELECT DISTINCT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                               f"WHERE a.client_port IN ({','.join(ports)})"], capture_output=True, text=True, check=True)
        assert psql.stdout.split() == ["t"], psql.stdout
    finally:
        server.stop()


def test_a_dead_nodes_delivery_lease_expires_and_another_delivers(own_server):
    """A node killed while delivering audit files leaves its lease behind: nobody delivers until
    it expires, then another node does."""
    import glob
    import os
    import time

    from conftest import make_client, postgres_store
    schema = postgres_store(own_server.data_dir).rsplit("schema=", 1)[1]
    subprocess.run(["psql", os.environ["TRENT_TEST_POSTGRES_URL"], "-tAc",
                    f"INSERT INTO {schema}.leases (name, holder, expires_at) VALUES ('audit-delivery', 'killed-node', "
                    f"extract(epoch FROM now()) + 6) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"],
                   check=True, capture_output=True)
    key = make_client(own_server).create_key()["KeyMetadata"]["KeyId"]
    logs = lambda: glob.glob(os.path.join(own_server.data_dir, "audit", "AWSLogs", "*", "CloudTrail", "**", "*.json.gz"), recursive=True)
    own_server.roll_audit()
    assert logs() == [], "delivered while another node held the lease"
    deadline = time.time() + 30
    while not logs() and time.time() < deadline:
        time.sleep(0.5)
        own_server.roll_audit()
    assert logs(), "the expired lease was never taken over"
    import gzip
    records = [r for p in logs() for r in json.load(gzip.open(p))["Records"]]
    assert any(r["eventName"] == "CreateKey" and key in json.dumps(r) for r in records)
