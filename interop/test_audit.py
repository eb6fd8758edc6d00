"""Every call leaves a CloudTrail-format record; `trent audit lookup` prints them; no secrets inside."""
import base64
import datetime
import json
import os

import pytest
from botocore.exceptions import ClientError

from byok import wrap
from conftest import make_client, store_args


def test_import_key_material_record(own_server):
    kms = make_client(own_server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    params = kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    material = os.urandom(32)
    wrapped = wrap(material, params["PublicKey"], "RSAES_OAEP_SHA_256")
    # A month ahead (ImportKeyMaterial takes at most 365 days), at a time that shows the format.
    valid_to = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).replace(hour=3, minute=4, second=5, microsecond=0)
    imported = kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped,
                                       ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"top secret plaintext", EncryptionContext={"purpose": "audit"})["CiphertextBlob"]
    kms.decrypt(CiphertextBlob=ct, EncryptionContext={"purpose": "audit"})

    records = own_server.audit_lookup("--event-name", "ImportKeyMaterial")
    assert len(records) == 1
    r = records[0]
    assert r["eventVersion"] >= "1.08"
    assert r["eventSource"] == "kms.amazonaws.com" and r["eventName"] == "ImportKeyMaterial"
    assert r["awsRegion"] == "us-east-1" and r["eventType"] == "AwsApiCall" and r["readOnly"] is False
    assert r["managementEvent"] is True and r["eventCategory"] == "Management"
    assert r["recipientAccountId"] == key["AWSAccountId"]
    assert r["userIdentity"]["accessKeyId"] == "AKIAIOSFODNN7EXAMPLE"
    assert r["sourceIPAddress"] == "127.0.0.1" and "Boto3" in r["userAgent"]
    assert r["requestParameters"] == {"keyId": key["KeyId"], "expirationModel": "KEY_MATERIAL_EXPIRES",
                                      "validTo": f"{valid_to:%b} {valid_to.day}, {valid_to.year}, 3:04:05 AM"}
    assert r["responseElements"]["keyMaterialId"] == imported["KeyMaterialId"]
    assert r["resources"] == [{"accountId": key["AWSAccountId"], "type": "AWS::KMS::Key", "ARN": key["Arn"]}]
    assert r["requestID"] and r["eventID"] and "errorCode" not in r

    encrypt = own_server.audit_lookup("--event-name", "Encrypt")[0]
    assert encrypt["requestParameters"] == {"keyId": key["KeyId"], "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                                            "encryptionContext": {"purpose": "audit"}}
    assert encrypt["readOnly"] is True and encrypt["responseElements"] is None

    # No secret ever reaches the audit log: not the material, token, wrapped material, plaintext or ciphertext.
    everything = json.dumps(own_server.audit_lookup())
    for secret in (material, params["ImportToken"], wrapped, b"top secret plaintext", ct):
        assert base64.b64encode(secret).decode() not in everything
        assert secret.hex() not in everything
    assert "top secret plaintext" not in everything


def test_failed_calls_are_recorded(own_server):
    kms = make_client(own_server)
    with pytest.raises(ClientError):
        kms.describe_key(KeyId="alias/nothing-here")
    records = own_server.audit_lookup("--event-name", "DescribeKey")
    assert records[0]["errorCode"] == "NotFoundException"
    assert "alias/nothing-here" in records[0]["errorMessage"]


def test_every_call_one_record_newest_first(own_server):
    kms = make_client(own_server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    kms.enable_key(KeyId=key)
    names = [r["eventName"] for r in own_server.audit_lookup("--key-id", key)]
    assert names == ["EnableKey", "DisableKey", "CreateKey"]
    create = own_server.audit_lookup("--event-name", "CreateKey")[0]
    assert create["responseElements"]["keyMetadata"]["keyId"] == key


def test_lookup_cli_filters_pages_and_formats(own_server):
    import subprocess

    from conftest import TRENT_BIN
    kms = make_client(own_server)
    key = kms.create_key()["KeyMetadata"]
    kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    kms.describe_key(KeyId=key["KeyId"])

    def run(*args):
        return subprocess.run([TRENT_BIN, "audit", "lookup", "--data-dir", own_server.data_dir, *store_args(own_server.data_dir), *args],
                              check=True, capture_output=True, text=True).stdout

    assert [r["eventName"] for r in own_server.audit_lookup("--read-only", "true")] == ["DescribeKey", "Encrypt"]
    assert [r["eventName"] for r in own_server.audit_lookup("--lookup-attribute", f"ResourceName={key['Arn']}")] == \
        ["DescribeKey", "Encrypt", "CreateKey"]
    lines = run("--output", "jsonl").splitlines()
    assert [json.loads(line)["eventName"] for line in lines] == ["DescribeKey", "Encrypt", "CreateKey"]
    table = run("--output", "table")
    assert table.splitlines()[0].startswith("TIME") and "Encrypt" in table and key["KeyId"] in table
    # The USER column is LookupEvents' Username: the caller's IAM user name, not "root".
    users = {row.split()[1]: row.split()[4] for row in table.splitlines()[1:]}
    caller = json.loads(lines[0])["userIdentity"]
    assert caller["type"] == "IAMUser" and users == {name: caller["userName"] for name in ("DescribeKey", "Encrypt", "CreateKey")}
    first = json.loads(run("--max-results", "1"))
    assert len(first["Records"]) == 1 and first["NextToken"]
    second = json.loads(run("--max-results", "1", "--next-token", first["NextToken"]))
    assert second["Records"][0]["eventName"] == "Encrypt"
    bad = subprocess.run([TRENT_BIN, "audit", "lookup", "--data-dir", own_server.data_dir, *store_args(own_server.data_dir), "--event-name", "A", "--read-only", "true"],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "one filter" in bad.stderr
