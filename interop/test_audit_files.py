"""CloudTrail log files and signed digests: the walkthrough's records in files, and tampering detected."""
import base64
import datetime
import glob
import gzip
import json
import os
import shutil

import pytest

from byok import byok, wrap
from conftest import make_client


def files(server, kind):
    pattern = "CloudTrail-Digest" if kind == "digest" else "CloudTrail"
    found = glob.glob(os.path.join(server.data_dir, "audit", "AWSLogs", "*", pattern, "*", "*", "*", "*", "*.json.gz"))
    return sorted(found, key=lambda p: (os.path.getmtime(p), p))  # in delivery order


def records(path):
    return json.loads(gzip.decompress(open(path, "rb").read()))["Records"]


@pytest.fixture()
def delivered(own_server):
    """Three deliveries of a BYOK walkthrough, with a failed import and an expiry among them."""
    kms = make_client(own_server)
    material = os.urandom(32)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    params = kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    own_server.roll_audit()
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError):
        kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"], EncryptedKeyMaterial=os.urandom(256),
                                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    wrapped = wrap(material, params["PublicKey"], "RSAES_OAEP_SHA_256")
    kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped,
                            ExpirationModel="KEY_MATERIAL_EXPIRES",
                            ValidTo=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    own_server.roll_audit()
    own_server.set_clock(7200)
    own_server.sweep()
    own_server.roll_audit()
    return {"key": key, "secrets": [material, params["ImportToken"], wrapped]}


def test_records_are_delivered_in_cloudtrail_files(own_server, delivered):
    logs, digests = files(own_server, "log"), files(own_server, "digest")
    assert len(logs) == 3 and len(digests) == 3
    everything = [r for path in logs for r in records(path)]
    names = [r["eventName"] for r in everything]
    assert names[:2] == ["CreateKey", "GetParametersForImport"]
    imports = [r for r in everything if r["eventName"] == "ImportKeyMaterial"]
    assert imports[0]["errorCode"] == "InvalidCiphertextException" and "errorCode" not in imports[1]
    assert imports[1]["requestParameters"]["expirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert any(r["eventName"] == "DeleteExpiredKeyMaterial" and r["eventType"] == "AwsServiceEvent" for r in everything)
    # The S3 key layout CloudTrail uses.
    account = delivered["key"]["AWSAccountId"]
    assert all(f"/AWSLogs/{account}/CloudTrail/us-east-1/" in p and os.path.basename(p).startswith(f"{account}_CloudTrail_us-east-1_") for p in logs)
    # No secret in any file.
    raw = b"".join(gzip.decompress(open(p, "rb").read()) for p in logs + digests)
    for secret in delivered["secrets"]:
        assert base64.b64encode(secret) not in raw and secret.hex().encode() not in raw
    code, out = own_server.audit_validate()
    assert code == 0 and "3/3 digest files valid" in out


def rewrite(path, change):
    data = records(path)
    change(data)
    open(path, "wb").write(gzip.compress(json.dumps({"Records": data}).encode()))


@pytest.mark.parametrize("tamper,expected", [
    ("delete-log", "is missing"),
    ("edit-log", "its hash does not match"),
    ("insert-log", "is not listed in any digest"),
    ("delete-digest", "is missing"),
    ("edit-digest", "signature verification failed"),
    ("forge-signature", "signature verification failed"),
    # Swapped digest files are caught by the name each one signs (moved), or by the chain (reordered).
    ("reorder-digests", ("reordered", "moved or forged")),
])
def test_tampering_is_detected(own_server, delivered, tamper, expected):
    logs, digests = files(own_server, "log"), files(own_server, "digest")
    if tamper == "delete-log":
        os.remove(logs[1])
    elif tamper == "edit-log":
        rewrite(logs[1], lambda r: r[0].update({"eventName": "Innocent"}))
    elif tamper == "insert-log":
        shutil.copy(logs[0], logs[0].replace(".json.gz", "X.json.gz"))
    elif tamper == "delete-digest":
        os.remove(digests[1])
    elif tamper == "edit-digest":
        d = json.loads(gzip.decompress(open(digests[1], "rb").read()))
        d["logFiles"] = []
        open(digests[1], "wb").write(gzip.compress(json.dumps(d).encode()))
    elif tamper == "forge-signature":
        open(digests[2] + ".sig", "w").write("00" * 256)
    elif tamper == "reorder-digests":
        a, b = open(digests[0], "rb").read(), open(digests[1], "rb").read()
        open(digests[0], "wb").write(b)
        open(digests[1], "wb").write(a)
    code, out = own_server.audit_validate()
    assert code != 0, out
    assert any(e in out for e in (expected if isinstance(expected, tuple) else (expected,))), out


def test_lookup_sees_records_before_they_are_rolled(own_server):
    kms = make_client(own_server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert files(own_server, "log") == []
    assert own_server.audit_lookup("--key-id", key)[0]["eventName"] == "CreateKey"


def test_rolls_when_enough_records_wait(workdir):
    import time

    from conftest import TrentServer
    server = TrentServer(os.path.join(workdir, "rolling"), extra_args=["--audit-roll-seconds", "3600", "--audit-roll-records", "5"])
    server.start()
    try:
        kms = make_client(server)
        for _ in range(6):
            kms.create_key()
        deadline = time.time() + 15
        while time.time() < deadline and not files(server, "log"):
            time.sleep(0.3)
        assert files(server, "log"), server.read_log()
        code, out = server.audit_validate()
        assert code == 0, out
    finally:
        server.stop()


def test_cli_walkthrough_records_field_by_field(own_server, tmp_path):
    """The README walkthrough with the aws CLI, then its ImportKeyMaterial record in the delivered file."""
    import subprocess

    from conftest import AwsCli
    aws = AwsCli(own_server, tmp_path)
    key = aws.json("kms", "create-key", "--origin", "EXTERNAL")["KeyMetadata"]
    params = aws.json("kms", "get-parameters-for-import", "--key-id", key["KeyId"],
                      "--wrapping-algorithm", "RSAES_OAEP_SHA_256", "--wrapping-key-spec", "RSA_2048")
    (tmp_path / "pub.der").write_bytes(base64.b64decode(params["PublicKey"]))
    (tmp_path / "token.bin").write_bytes(base64.b64decode(params["ImportToken"]))
    subprocess.run(["openssl", "rand", "-out", "material.bin", "32"], cwd=tmp_path, check=True)
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-in", "material.bin", "-out", "wrapped.bin", "-inkey", "pub.der", "-keyform", "DER",
                    "-pubin", "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"],
                   cwd=tmp_path, check=True)
    # Noon at UTC-8 on a day some months ahead: the record shows it in UTC (8 PM the same day).
    valid_to = datetime.date.today() + datetime.timedelta(days=200)
    aws.json("kms", "import-key-material", "--key-id", key["KeyId"], "--encrypted-key-material", "fileb://wrapped.bin",
             "--import-token", "fileb://token.bin", "--expiration-model", "KEY_MATERIAL_EXPIRES", "--valid-to", f"{valid_to:%Y-%m-%d}T12:00:00-08:00")
    own_server.roll_audit()
    record = next(r for path in files(own_server, "log") for r in records(path) if r["eventName"] == "ImportKeyMaterial")
    assert record["eventVersion"] >= "1.08" and record["eventSource"] == "kms.amazonaws.com"
    assert record["eventType"] == "AwsApiCall" and record["readOnly"] is False and record["managementEvent"] is True
    assert record["eventCategory"] == "Management" and record["awsRegion"] == "us-east-1"
    assert record["recipientAccountId"] == key["AWSAccountId"] and record["userIdentity"]["accountId"] == key["AWSAccountId"]
    assert record["userAgent"].startswith("aws-cli/") and record["sourceIPAddress"] == "127.0.0.1"
    assert record["requestParameters"] == {"keyId": key["KeyId"], "expirationModel": "KEY_MATERIAL_EXPIRES",
                                           "validTo": f"{valid_to:%b} {valid_to.day}, {valid_to.year}, 8:00:00 PM"}
    assert record["resources"] == [{"accountId": key["AWSAccountId"], "type": "AWS::KMS::Key", "ARN": key["Arn"]}]
    assert record["requestID"] and record["eventID"] and "errorCode" not in record
    raw = b"".join(gzip.decompress(open(p, "rb").read()) for p in files(own_server, "log"))
    for secret in ((tmp_path / "material.bin").read_bytes(), (tmp_path / "token.bin").read_bytes(), (tmp_path / "wrapped.bin").read_bytes()):
        assert base64.b64encode(secret) not in raw and secret.hex().encode() not in raw
