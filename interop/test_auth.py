"""SigV4 authentication against `trent serve`: boto3, the aws CLI and hand-made requests signed by
botocore, then altered, expired or mis-scoped."""
import json
import urllib.request

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import IDENTITIES, AwsCli, make_client, raw_call, signed_headers

BODY = json.dumps({"Limit": 5}).encode()
HEADERS = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"}


def send(server, headers, data=BODY, path="/"):
    req = urllib.request.Request(server.endpoint + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def error_type(response):
    status, body = response
    assert status == 400, body
    return body["__type"]


def signed(server, **kwargs):
    return signed_headers(server, BODY, dict(HEADERS), **kwargs)


def test_a_correct_signature_passes(server):
    assert send(server, signed(server))[0] == 200


def test_wrong_or_unknown_credentials(server):
    wrong_secret = make_client(server)
    wrong_secret._request_signer._credentials = Credentials(IDENTITIES["admin"]["AWS_ACCESS_KEY_ID"], "not-the-secret")
    with pytest.raises(ClientError) as e:
        wrong_secret.list_keys()
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert "signature we calculated does not match" in e.value.response["Error"]["Message"]
    unknown = make_client(server)
    unknown._request_signer._credentials = Credentials("AKIANOBODY0000000000", "whatever")
    with pytest.raises(ClientError) as e:
        unknown.list_keys()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_alterations_after_signing_are_refused(server):
    headers = signed(server)
    assert error_type(send(server, headers, data=json.dumps({"Limit": 6}).encode())) == "InvalidSignatureException"
    assert error_type(send(server, dict(headers, **{"X-Amz-Target": "TrentService.ListAliases"}))) == "InvalidSignatureException"
    assert error_type(send(server, headers, path="/?extra=1")) == "InvalidSignatureException"
    # The credential scope itself: another region or service than the one signed for.
    for old, new in [("/us-east-1/", "/eu-west-1/"), ("/kms/", "/sqs/"), ("/us-east-1/", "/bad_region!/")]:
        altered = dict(headers, Authorization=headers["Authorization"].replace(old, new))
        assert error_type(send(server, altered)) == "InvalidSignatureException", new


def test_signed_for_another_service(server):
    request = AWSRequest(method="POST", url=server.endpoint + "/", data=BODY, headers=dict(HEADERS))
    i = IDENTITIES["admin"]
    SigV4Auth(Credentials(i["AWS_ACCESS_KEY_ID"], i["AWS_SECRET_ACCESS_KEY"]), "dynamodb", "us-east-1").add_auth(request)
    status, body = send(server, dict(request.headers))
    assert status == 400 and body["__type"] == "InvalidSignatureException" and "'kms'" in body["message"]


def test_clock_skew_of_fifteen_minutes(server):
    for minutes, ok in [(-14, True), (14, True), (-16, False), (16, False)]:
        headers = signed(server)
        # Re-sign at a shifted time by moving botocore's clock.
        import datetime
        from unittest import mock
        shifted = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
        with mock.patch("botocore.auth.datetime.datetime") as clock:
            clock.now.return_value = shifted
            clock.utcnow.return_value = shifted.replace(tzinfo=None)
            clock.strptime = datetime.datetime.strptime
            headers = signed(server)
        response = send(server, headers)
        if ok:
            assert response[0] == 200, (minutes, response)
        else:
            assert error_type(response) == "InvalidSignatureException"
            assert ("expired" if minutes < 0 else "not yet current") in response[1]["message"]


def test_missing_and_malformed_authorization(server):
    assert error_type(send(server, dict(HEADERS))) == "MissingAuthenticationTokenException"
    headers = signed(server)
    assert error_type(send(server, dict(headers, Authorization="AWS4-HMAC-SHA256 Credential=x"))) == "IncompleteSignatureException"
    assert error_type(send(server, dict(headers, Authorization="Bearer abc"))) == "IncompleteSignatureException"
    no_date = {k: v for k, v in headers.items() if k != "X-Amz-Date"}
    assert error_type(send(server, no_date)) == "IncompleteSignatureException"


def test_temporary_credentials(server):
    assert make_client(server, identity="deployer").list_keys()["Keys"] is not None
    for token, expected in [(None, "UnrecognizedClientException"), ("another-token", "UnrecognizedClientException")]:
        client = make_client(server, identity="deployer")
        i = IDENTITIES["deployer"]
        client._request_signer._credentials = Credentials(i["AWS_ACCESS_KEY_ID"], i["AWS_SECRET_ACCESS_KEY"], token)
        with pytest.raises(ClientError) as e:
            client.list_keys()
        assert e.value.response["Error"]["Code"] == expected
    with pytest.raises(ClientError) as e:
        make_client(server, identity="expired").list_keys()
    assert e.value.response["Error"]["Code"] == "ExpiredTokenException"


def test_presigned_query_form(server):
    i = IDENTITIES["admin"]
    request = AWSRequest(method="POST", url=server.endpoint + "/", data=b"", headers=dict(HEADERS))
    SigV4QueryAuth(Credentials(i["AWS_ACCESS_KEY_ID"], i["AWS_SECRET_ACCESS_KEY"]), "kms", "eu-west-1", expires=60).add_auth(request)
    assert "X-Amz-Signature=" in request.url and "Authorization" not in request.headers
    req = urllib.request.Request(request.url, data=b"", headers=dict(request.headers), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200 and "Keys" in json.loads(r.read())
    tampered = urllib.request.Request(request.url.replace("X-Amz-Expires=60", "X-Amz-Expires=600"), data=b"",
                                      headers=dict(request.headers), method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered, timeout=30)
    assert json.loads(e.value.read())["__type"] == "InvalidSignatureException"


def test_the_aws_cli_signs_and_is_checked(server, tmp_path):
    cli = AwsCli(server, tmp_path)
    assert "Keys" in cli.json("kms", "list-keys")
    cli.env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    p = cli.run("kms", "list-keys", check=False)
    assert p.returncode != 0 and "InvalidSignatureException" in p.stderr


def test_audit_records_name_the_caller(own_server):
    from conftest import ACCOUNT
    for identity in ("admin", "deployer", "root"):
        make_client(own_server, identity=identity).create_key(Description=f"by {identity}")
    records = [r for r in own_server.audit_lookup("--event-name", "CreateKey") if r["eventName"] == "CreateKey"]
    identities = {r["requestParameters"]["description"]: r["userIdentity"] for r in records}
    admin, role, root = identities["by admin"], identities["by deployer"], identities["by root"]
    assert admin["type"] == "IAMUser" and admin["arn"] == f"arn:aws:iam::{ACCOUNT}:user/admin" and admin["userName"] == "admin"
    assert admin["accessKeyId"] == IDENTITIES["admin"]["AWS_ACCESS_KEY_ID"] and admin["principalId"].startswith("AIDA")
    assert role["type"] == "AssumedRole" and role["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-run"
    assert role["sessionContext"]["sessionIssuer"]["arn"] == f"arn:aws:iam::{ACCOUNT}:role/deployer"
    assert root == {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT,
                    "accessKeyId": IDENTITIES["root"]["AWS_ACCESS_KEY_ID"]}


def test_each_account_sees_its_own_keys(server):
    mine = make_client(server).create_key()["KeyMetadata"]
    other = make_client(server, identity="other-admin")
    theirs = other.create_key()["KeyMetadata"]
    assert theirs["AWSAccountId"] == "444455556666"
    assert mine["KeyId"] not in {k["KeyId"] for k in other.list_keys(Limit=1000)["Keys"]}
    assert theirs["KeyId"] not in {k["KeyId"] for k in make_client(server).list_keys(Limit=1000)["Keys"]}
