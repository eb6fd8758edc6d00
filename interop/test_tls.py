"""HTTPS: `trent serve --tls-cert/--tls-key`, TLS 1.2 and later only, with the aws CLI and boto3."""
import json
import os
import subprocess

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import SSLError, EndpointConnectionError, ConnectionClosedError

from conftest import ACCOUNT, AwsCli, TrentServer, make_client


@pytest.fixture(scope="module")
def tls_server(workdir):
    d = os.path.join(workdir, "tls")
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    server = TrentServer(os.path.join(d, "data"), extra_args=["--tls-cert", cert, "--tls-key", key]).start()
    yield server
    server.stop()


def test_boto3_and_the_cli_over_https(tls_server, tmp_path):
    assert tls_server.endpoint.startswith("https://")
    kms = make_client(tls_server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"over TLS")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"over TLS"
    cli = AwsCli(tls_server, tmp_path)
    assert cli.json("kms", "describe-key", "--key-id", key)["KeyMetadata"]["KeyId"] == key
    assert "https://" in tls_server.read_log() and "--ca-bundle" in tls_server.read_log()


def test_an_untrusted_certificate_is_refused_by_clients(tls_server):
    from conftest import IDENTITIES
    i = IDENTITIES["admin"]
    kms = boto3.client("kms", endpoint_url=tls_server.endpoint, region_name="us-east-1", aws_access_key_id=i["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=i["AWS_SECRET_ACCESS_KEY"], config=Config(retries={"max_attempts": 1}))
    with pytest.raises(SSLError):
        kms.list_keys()


def test_plain_http_is_not_answered(tls_server):
    from conftest import IDENTITIES
    i = IDENTITIES["admin"]
    kms = boto3.client("kms", endpoint_url=tls_server.endpoint.replace("https://", "http://"), region_name="us-east-1",
                       aws_access_key_id=i["AWS_ACCESS_KEY_ID"], aws_secret_access_key=i["AWS_SECRET_ACCESS_KEY"],
                       config=Config(retries={"max_attempts": 1}))
    with pytest.raises((EndpointConnectionError, ConnectionClosedError, Exception)) as e:
        kms.list_keys()
    assert "Keys" not in str(e.value)


@pytest.mark.parametrize("version,accepted", [("-tls1_1", False), ("-tls1_2", True), ("-tls1_3", True)])
def test_tls_versions(tls_server, version, accepted):
    p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{tls_server.port}", version, "-cipher", "DEFAULT:@SECLEVEL=0",
                        "-CAfile", tls_server.ca_bundle, "-verify_return_error"],
                       input=b"", capture_output=True, timeout=30)
    out = p.stdout.decode(errors="replace")
    handshake = "Verify return code: 0 (ok)" in out and p.returncode == 0
    assert handshake == accepted, out + p.stderr.decode(errors="replace")


def test_secure_transport_condition(tls_server):
    admin, alice = make_client(tls_server), make_client(tls_server, identity="alice")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": "kms:Encrypt", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    key = admin.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    alice.encrypt(KeyId=key, Plaintext=b"only over TLS")


def test_trent_byok_over_https(tls_server, tmp_path):
    from conftest import IDENTITIES, TRENT_BIN
    i = IDENTITIES["admin"]
    env = dict(os.environ, AWS_ACCESS_KEY_ID=i["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY=i["AWS_SECRET_ACCESS_KEY"], AWS_REGION="us-east-1",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.pop("AWS_CA_BUNDLE", None)
    key = make_client(tls_server).create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    (tmp_path / "m.bin").write_bytes(os.urandom(32))
    command = [TRENT_BIN, "byok", "import", "--endpoint-url", tls_server.endpoint, "--key-id", key, "--key-material", str(tmp_path / "m.bin"), "--no-expiry"]
    untrusted = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert untrusted.returncode != 0 and "cannot reach" in untrusted.stderr
    trusted = subprocess.run(command + ["--ca-bundle", tls_server.ca_bundle], env=env, capture_output=True, text=True, timeout=60)
    assert trusted.returncode == 0, trusted.stderr
    assert json.loads(trusted.stdout)["KeyState"] == "Enabled"
