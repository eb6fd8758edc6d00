"""CloudTrail LookupEvents on the same endpoint: `aws cloudtrail lookup-events` reads the audit log."""
import json
import os

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from byok import byok
from conftest import CREDENTIALS, make_client


def cloudtrail(server, region="us-east-1"):
    return boto3.client("cloudtrail", endpoint_url=server.endpoint, region_name=region,
                        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                        config=Config(retries={"max_attempts": 1}))


def test_lookup_events_with_the_cli_and_boto3(own_server, tmp_path):
    from conftest import AwsCli
    kms = make_client(own_server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    byok(kms, key["KeyId"], os.urandom(32))
    with pytest.raises(ClientError):
        byok(kms, key["KeyId"], os.urandom(32))  # a failed import is recorded too

    out = AwsCli(own_server, tmp_path).json("cloudtrail", "lookup-events",
                                            "--lookup-attributes", "AttributeKey=EventName,AttributeValue=ImportKeyMaterial")
    events = out["Events"]
    assert [e["EventName"] for e in events] == ["ImportKeyMaterial", "ImportKeyMaterial"]
    failed, succeeded = (json.loads(e["CloudTrailEvent"]) for e in events)  # newest first
    assert failed["errorCode"] == "IncorrectKeyMaterialException" and "errorCode" not in succeeded
    assert events[1]["Resources"] == [{"ResourceType": "AWS::KMS::Key", "ResourceName": key["Arn"]}]
    assert events[1]["ReadOnly"] == "false" and events[1]["EventSource"] == "kms.amazonaws.com"
    assert events[1]["Username"] == "admin" and events[1]["AccessKeyId"] == CREDENTIALS["AWS_ACCESS_KEY_ID"]

    ct = cloudtrail(own_server)
    by_resource = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": key["Arn"]}])["Events"]
    assert {e["EventName"] for e in by_resource} >= {"CreateKey", "GetParametersForImport", "ImportKeyMaterial"}
    read_only = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])["Events"]
    assert read_only and all(e["ReadOnly"] == "true" for e in read_only)
    # Pages of one event walk the whole log without repeats.
    seen, token = [], None
    while True:
        page = ct.lookup_events(MaxResults=1, **({"NextToken": token} if token else {}))
        seen += [e["EventId"] for e in page["Events"]]
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == len(ct.lookup_events(MaxResults=50)["Events"])
    # CloudTrail is regional.
    assert cloudtrail(own_server, "eu-west-1").lookup_events()["Events"] == []


def test_lookup_errors(server):
    ct = cloudtrail(server)
    for args, expected in [
        ({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "A"}, {"AttributeKey": "ReadOnly", "AttributeValue": "true"}]},
         "InvalidLookupAttributesException"),
        ({"NextToken": "!!!"}, "InvalidNextTokenException"),
    ]:
        with pytest.raises(ClientError) as e:
            ct.lookup_events(**args)
        assert e.value.response["Error"]["Code"] == expected
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    with pytest.raises(ClientError) as e:
        ct.lookup_events(StartTime=now, EndTime=now - datetime.timedelta(hours=1))
    assert e.value.response["Error"]["Code"] == "InvalidTimeRangeException"


def test_lookup_is_authorized_and_per_account(own_server):
    from conftest import make_client as client
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
    from conftest import IDENTITIES

    def cloudtrail(identity):
        i = IDENTITIES[identity]
        return boto3.client("cloudtrail", endpoint_url=own_server.endpoint, region_name="us-east-1",
                            aws_access_key_id=i["AWS_ACCESS_KEY_ID"], aws_secret_access_key=i["AWS_SECRET_ACCESS_KEY"],
                            config=Config(retries={"max_attempts": 1}))
    client(own_server).create_key(Description="in 111122223333")
    client(own_server, identity="other-admin").create_key(Description="in 444455556666")
    mine = cloudtrail("admin").lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}])["Events"]
    theirs = cloudtrail("other-admin").lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}])["Events"]
    assert [json.loads(e["CloudTrailEvent"])["recipientAccountId"] for e in mine] == ["111122223333"]
    assert [json.loads(e["CloudTrailEvent"])["recipientAccountId"] for e in theirs] == ["444455556666"]
    with pytest.raises(ClientError) as e:
        cloudtrail("alice").lookup_events()
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "cloudtrail:LookupEvents" in e.value.response["Error"]["Message"]
