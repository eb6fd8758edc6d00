"""UpdateKeyDescription, tags and key policies with boto3."""
import json

import pytest
from botocore.exceptions import ClientError


def code(e):
    return e.value.response["Error"]["Code"]


def test_update_description(kms):
    key = kms.create_key(Description="old")["KeyMetadata"]["KeyId"]
    kms.update_key_description(KeyId=key, Description="new")
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["Description"] == "new"
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(ClientError) as e:
        kms.update_key_description(KeyId=key, Description="late")
    assert code(e) == "KMSInvalidStateException"


def test_tags(kms):
    key = kms.create_key(Tags=[{"TagKey": "env", "TagValue": "dev"}])["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": "kms"}])
    assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": "kms"}]
    kms.untag_resource(KeyId=key, TagKeys=["env", "absent"])
    assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "team", "TagValue": "kms"}]
    with pytest.raises(ClientError) as e:
        kms.tag_resource(KeyId=key, Tags=[{"TagKey": "aws:reserved", "TagValue": "x"}])
    assert code(e) == "TagException"
    with pytest.raises(ClientError) as e:
        kms.tag_resource(KeyId=key, Tags=[{"TagKey": f"k{i}", "TagValue": "v"} for i in range(50)])
    assert code(e) == "LimitExceededException"
    assert len(kms.list_resource_tags(KeyId=key)["Tags"]) == 1


def test_tag_pages(kms):
    key = kms.create_key(Tags=[{"TagKey": f"k{i:02}", "TagValue": str(i)} for i in range(7)])["KeyMetadata"]["KeyId"]
    seen, marker = [], None
    while True:
        page = kms.list_resource_tags(KeyId=key, Limit=3, **({"Marker": marker} if marker else {}))
        seen += [t["TagKey"] for t in page["Tags"]]
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert seen == [f"k{i:02}" for i in range(7)]


def test_key_policy(kms):
    meta = kms.create_key()["KeyMetadata"]
    default = json.loads(kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
    assert default["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{meta['AWSAccountId']}:root"}
    assert default["Statement"][0]["Action"] == "kms:*"
    assert kms.list_key_policies(KeyId=meta["KeyId"])["PolicyNames"] == ["default"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{meta['AWSAccountId']}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]})
    kms.put_key_policy(KeyId=meta["KeyId"], PolicyName="default", Policy=policy)
    assert json.loads(kms.get_key_policy(KeyId=meta["KeyId"])["Policy"]) == json.loads(policy)
    for bad in ("{", "[]", json.dumps({"Version": "2012-10-17"})):
        with pytest.raises(ClientError) as e:
            kms.put_key_policy(KeyId=meta["KeyId"], PolicyName="default", Policy=bad)
        assert code(e) == "MalformedPolicyDocumentException"
    with pytest.raises(ClientError) as e:
        kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="other")
    assert code(e) == "NotFoundException"


def test_get_key_last_usage(kms):
    meta = kms.create_key()["KeyMetadata"]
    usage = kms.get_key_last_usage(KeyId=meta["KeyId"])
    assert usage["KeyId"] == meta["Arn"] and "KeyLastUsage" not in usage
    assert usage["KeyCreationDate"] == meta["CreationDate"]
    kms.encrypt(KeyId=meta["KeyId"], Plaintext=b"x")
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=b"garbage" * 20, KeyId=meta["KeyId"])
    kms.describe_key(KeyId=meta["KeyId"])
    last = kms.get_key_last_usage(KeyId=meta["KeyId"])["KeyLastUsage"]
    assert last["Operation"] == "Encrypt" and last["KmsRequestId"] and last["CloudTrailEventId"]
