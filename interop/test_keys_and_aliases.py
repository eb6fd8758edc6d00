"""Key states, deletion scheduling, aliases and listing, as boto3 sees them."""
import pytest
from botocore.exceptions import ClientError

from conftest import make_client


def code(e):
    return e.value.response["Error"]["Code"]


def test_create_key_shape(kms):
    meta = kms.create_key(Description="plain", Tags=[{"TagKey": "a", "TagValue": "b"}])["KeyMetadata"]
    assert meta["KeyState"] == "Enabled" and meta["Origin"] == "AWS_KMS" and meta["Enabled"] is True
    assert meta["KeySpec"] == "SYMMETRIC_DEFAULT" and meta["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert meta["KeyUsage"] == "ENCRYPT_DECRYPT" and meta["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert meta["KeyManager"] == "CUSTOMER" and meta["MultiRegion"] is False
    assert meta["Arn"] == f"arn:aws:kms:us-east-1:{meta['AWSAccountId']}:key/{meta['KeyId']}"
    assert "ExpirationModel" not in meta and "ValidTo" not in meta


@pytest.mark.parametrize("args,expected", [
    ({"KeySpec": "SM2", "KeyUsage": "SIGN_VERIFY"}, "UnsupportedOperationException"),
    ({"Origin": "AWS_CLOUDHSM"}, "UnsupportedOperationException"),
    ({"Policy": "not json"}, "MalformedPolicyDocumentException"),
    ({"Tags": [{"TagKey": "k", "TagValue": "1"}, {"TagKey": "k", "TagValue": "2"}]}, "TagException"),
    ({"KeyUsage": "SIGN_VERIFY"}, "ValidationException"),
])
def test_create_key_refusals(kms, args, expected):
    before = len(kms.list_keys(Limit=1000)["Keys"])
    with pytest.raises(ClientError) as e:
        kms.create_key(**args)
    assert code(e) == expected
    assert len(kms.list_keys(Limit=1000)["Keys"]) == before


def test_enable_disable_and_deletion(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=key, Plaintext=b"x")
    assert code(e) == "DisabledException"
    kms.enable_key(KeyId=key)
    ct = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    scheduled = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and meta["DeletionDate"] == scheduled["DeletionDate"]
    assert meta["PendingDeletionWindowInDays"] == 7
    for call in (lambda: kms.enable_key(KeyId=key), lambda: kms.schedule_key_deletion(KeyId=key),
                 lambda: kms.decrypt(CiphertextBlob=ct)):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "KMSInvalidStateException"
    kms.cancel_key_deletion(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    with pytest.raises(ClientError) as e:
        kms.cancel_key_deletion(KeyId=key)
    assert code(e) == "KMSInvalidStateException"
    for days in (6, 31):
        with pytest.raises(ClientError) as e:
            kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=days)
        assert code(e) == "ValidationException"


def test_pending_import_key_cannot_be_enabled_or_disabled(kms):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    for call in (kms.enable_key, kms.disable_key):
        with pytest.raises(ClientError) as e:
            call(KeyId=key)
        assert code(e) == "KMSInvalidStateException"


def test_deleted_at_the_end_of_the_waiting_period(own_server):
    kms = make_client(own_server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    own_server.set_clock(7 * 86400 + 60)
    # The server's own sweeper (every 0.2 s here) may delete it before this sweep does: what
    # counts is that it is gone, with its alias, and deleted once (one DeleteKey event, below).
    own_server.sweep()
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId=key)
    assert code(e) == "NotFoundException"
    assert kms.list_aliases()["Aliases"] == []
    assert [r["eventType"] for r in own_server.audit_lookup("--event-name", "DeleteKey")] == ["AwsServiceEvent"]


def test_aliases(kms):
    key_a = kms.create_key()["KeyMetadata"]["KeyId"]
    key_b = kms.create_key()["KeyMetadata"]["KeyId"]
    name = f"alias/app-{key_a[:8]}"
    kms.create_alias(AliasName=name, TargetKeyId=key_a)
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName=name, TargetKeyId=key_b)
    assert code(e) == "AlreadyExistsException"
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName="no-prefix", TargetKeyId=key_a)
    assert code(e) == "ValidationException"
    assert e.value.response["Error"]["Message"].startswith('Alias must start with the prefix "alias/".')
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName="alias/aws/reserved", TargetKeyId=key_a)
    assert code(e) == "InvalidAliasNameException"
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName="alias/x-" + key_a[:8], TargetKeyId=name)  # target must be a key, not an alias
    assert code(e) == "NotFoundException"

    listed = kms.list_aliases(KeyId=key_a)["Aliases"]
    assert [a["AliasName"] for a in listed] == [name]
    assert listed[0]["TargetKeyId"] == key_a and listed[0]["AliasArn"].endswith(":" + name)
    kms.update_alias(AliasName=name, TargetKeyId=key_b)
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == key_b
    assert kms.list_aliases(KeyId=key_a)["Aliases"] == []
    kms.delete_alias(AliasName=name)
    for call in (lambda: kms.delete_alias(AliasName=name), lambda: kms.describe_key(KeyId=name),
                 lambda: kms.update_alias(AliasName=name, TargetKeyId=key_a)):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "NotFoundException"


def test_list_keys_pages(own_server):
    kms = make_client(own_server)
    created = sorted(kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(5))
    seen, marker = [], None
    while True:
        page = kms.list_keys(Limit=2, **({"Marker": marker} if marker else {}))
        seen += [k["KeyId"] for k in page["Keys"]]
        assert len(page["Keys"]) <= 2
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert sorted(seen) == created
    with pytest.raises(ClientError) as e:
        kms.list_keys(Marker="bogus")
    assert code(e) == "InvalidMarkerException"


def test_keys_live_in_their_region(server, kms):
    key = kms.create_key()["KeyMetadata"]
    other = make_client(server, region="eu-west-1")
    with pytest.raises(ClientError) as e:
        other.describe_key(KeyId=key["KeyId"])
    assert code(e) == "NotFoundException"
    assert key["KeyId"] not in [k["KeyId"] for k in other.list_keys(Limit=1000)["Keys"]]
    created = other.create_key()["KeyMetadata"]
    assert created["Arn"].startswith("arn:aws:kms:eu-west-1:")
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as e:
        other.decrypt(CiphertextBlob=ct)
    assert code(e) == "InvalidCiphertextException"


def test_decrypt_with_the_wrong_key_id(kms):
    a = kms.create_key()["KeyMetadata"]["KeyId"]
    b = kms.create_key()["KeyMetadata"]["KeyId"]
    ct = kms.encrypt(KeyId=a, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=ct, KeyId=b)
    assert code(e) == "IncorrectKeyException"


def test_dry_run(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=key, Plaintext=b"x", DryRun=True)
    assert code(e) == "DryRunOperationException"
