"""Grants: create (idempotent by name), list, list retirable, retire by token or id, revoke."""
import pytest
from botocore.exceptions import ClientError

from conftest import make_client

GRANTEE = "arn:aws:iam::111122223333:role/app"
RETIRER = "arn:aws:iam::111122223333:role/ops"


def code(e):
    return e.value.response["Error"]["Code"]


def test_grant_lifecycle(kms):
    key = kms.create_key()["KeyMetadata"]
    created = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=GRANTEE, RetiringPrincipal=RETIRER,
                               Operations=["Encrypt", "Decrypt"], Name="app-grant",
                               Constraints={"EncryptionContextSubset": {"app": "web"}})
    assert len(created["GrantId"]) == 64 and created["GrantToken"]
    again = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=GRANTEE, RetiringPrincipal=RETIRER,
                             Operations=["Encrypt", "Decrypt"], Name="app-grant",
                             Constraints={"EncryptionContextSubset": {"app": "web"}})
    assert again["GrantId"] == created["GrantId"]
    grants = kms.list_grants(KeyId=key["KeyId"])["Grants"]
    assert len(grants) == 1
    g = grants[0]
    assert g["KeyId"] == key["Arn"] and g["GranteePrincipal"] == GRANTEE and g["RetiringPrincipal"] == RETIRER
    assert g["Operations"] == ["Encrypt", "Decrypt"] and g["Name"] == "app-grant"
    assert g["Constraints"] == {"EncryptionContextSubset": {"app": "web"}}
    assert g["IssuingAccount"] == f"arn:aws:iam::{key['AWSAccountId']}:root"
    assert created["GrantId"] in [x["GrantId"] for x in kms.list_retirable_grants(RetiringPrincipal=RETIRER)["Grants"]]
    kms.retire_grant(GrantToken=created["GrantToken"])
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []
    with pytest.raises(ClientError) as e:
        kms.retire_grant(GrantToken=created["GrantToken"])
    assert code(e) == "NotFoundException"


def test_revoke_and_retire_by_id(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    ids = [kms.create_grant(KeyId=key, GranteePrincipal=GRANTEE, Operations=["Decrypt"])["GrantId"] for _ in range(3)]
    kms.revoke_grant(KeyId=key, GrantId=ids[0])
    kms.retire_grant(KeyId=key, GrantId=ids[1])
    assert [g["GrantId"] for g in kms.list_grants(KeyId=key)["Grants"]] == [ids[2]]
    assert [g["GrantId"] for g in kms.list_grants(KeyId=key, GrantId=ids[2])["Grants"]] == [ids[2]]
    with pytest.raises(ClientError) as e:
        kms.revoke_grant(KeyId=key, GrantId=ids[0])
    assert code(e) == "NotFoundException"
    with pytest.raises(ClientError) as e:
        kms.revoke_grant(KeyId=key, GrantId="not-a-grant-id")
    assert code(e) == "InvalidGrantIdException"
    with pytest.raises(ClientError) as e:
        kms.retire_grant(GrantToken="forged-token")
    assert code(e) == "InvalidGrantTokenException"


def test_grant_pages(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    ids = sorted(kms.create_grant(KeyId=key, GranteePrincipal=GRANTEE, Operations=["Encrypt"])["GrantId"] for _ in range(5))
    seen, marker = [], None
    while True:
        page = kms.list_grants(KeyId=key, Limit=2, **({"Marker": marker} if marker else {}))
        seen += [g["GrantId"] for g in page["Grants"]]
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert seen == ids


def test_grant_operations_must_fit_the_key(server, kms):
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.create_grant(KeyId=signing, GranteePrincipal=GRANTEE, Operations=["Encrypt"])
    assert code(e) == "ValidationException"
    kms.create_grant(KeyId=signing, GranteePrincipal=GRANTEE, Operations=["Sign", "GetPublicKey"])
    with pytest.raises(ClientError) as e:
        kms.create_grant(KeyId=signing, GranteePrincipal=GRANTEE, Operations=["Sign"],
                         Constraints={"EncryptionContextEquals": {"a": "b"}})
    assert code(e) == "ValidationException"
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        make_client(server, validate=False).create_grant(KeyId=symmetric, GranteePrincipal=GRANTEE, Operations=["Fly"])
    assert code(e) == "ValidationException"
    kms.schedule_key_deletion(KeyId=symmetric, PendingWindowInDays=7)
    with pytest.raises(ClientError) as e:
        kms.create_grant(KeyId=symmetric, GranteePrincipal=GRANTEE, Operations=["Encrypt"])
    assert code(e) == "KMSInvalidStateException"
