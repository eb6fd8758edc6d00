"""Key policies, IAM identity policies and grants, evaluated as AWS KMS evaluates them."""
import json
import os

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, make_client

ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def code(e):
    return e.value.response["Error"]["Code"]


def denied(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    assert code(e) == "AccessDeniedException", e.value.response
    return e.value.response["Error"]["Message"]


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ADMIN_STATEMENT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}


def test_default_key_policy_delegates_to_iam(server):
    admin, alice, root = make_client(server), make_client(server, identity="alice"), make_client(server, identity="root")
    key = admin.create_key()["KeyMetadata"]
    admin.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    root.encrypt(KeyId=key["KeyId"], Plaintext=b"x")  # the account root needs no identity policy
    message = denied(alice.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
    assert message == (f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: kms:Encrypt on resource: "
                       f"{key['Arn']} because no identity-based policy allows the kms:Encrypt action")
    denied(alice.create_key)
    denied(alice.list_keys)


def test_denials_are_audited(own_server):
    admin, alice = make_client(own_server), make_client(own_server, identity="alice")
    key = admin.create_key()["KeyMetadata"]["KeyId"]
    denied(alice.describe_key, KeyId=key)
    record = own_server.audit_lookup("--event-name", "DescribeKey")[0]
    assert record["errorCode"] == "AccessDeniedException" and record["userIdentity"]["userName"] == "alice"
    assert "is not authorized to perform: kms:DescribeKey" in record["errorMessage"]


def test_key_policy_can_name_a_user_or_role_directly(server):
    admin = make_client(server)
    key = admin.create_key(Policy=policy(
        ADMIN_STATEMENT,
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": ["kms:Encrypt", "kms:DescribeKey"], "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/deployer"]}, "Action": "kms:GenerateDataKey*", "Resource": "*"},
    ))["KeyMetadata"]["KeyId"]
    alice = make_client(server, identity="alice")
    alice.encrypt(KeyId=key, Plaintext=b"allowed by the key policy alone")
    message = denied(alice.decrypt, CiphertextBlob=admin.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"])
    assert "because no identity-based policy allows the kms:Decrypt action" in message
    deployer = make_client(server, identity="deployer")
    deployer.generate_data_key(KeyId=key, KeySpec="AES_256")
    deployer.generate_data_key_without_plaintext(KeyId=key, KeySpec="AES_256")


def test_explicit_deny_wins(server):
    admin = make_client(server)
    key = admin.create_key(Policy=policy(
        ADMIN_STATEMENT,
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringNotEquals": {"kms:EncryptionContext:purpose": "restore"}}},
    ))["KeyMetadata"]["KeyId"]
    blob = admin.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"purpose": "backup"})["CiphertextBlob"]
    message = denied(admin.decrypt, CiphertextBlob=blob, EncryptionContext={"purpose": "backup"})
    assert "with an explicit deny in a resource-based policy" in message
    blob = admin.encrypt(KeyId=key, Plaintext=b"y", EncryptionContext={"purpose": "restore"})["CiphertextBlob"]
    assert admin.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "restore"})["Plaintext"] == b"y"
    # An identity policy's Deny wins over the key policy's Allow.
    carol = make_client(server, identity="carol")
    carol_key = carol.create_key()["KeyMetadata"]["KeyId"]
    blob = carol.encrypt(KeyId=carol_key, Plaintext=b"z")["CiphertextBlob"]
    assert "with an explicit deny in an identity-based policy" in denied(carol.decrypt, CiphertextBlob=blob)
    denied(carol.schedule_key_deletion, KeyId=carol_key, PendingWindowInDays=7)  # NumericLessThan 30
    assert carol.schedule_key_deletion(KeyId=carol_key, PendingWindowInDays=30)["KeyState"] == "PendingDeletion"


def test_identity_policy_conditions(server):
    admin, bob = make_client(server), make_client(server, identity="bob")
    key = admin.create_key()["KeyMetadata"]["KeyId"]
    bob.describe_key(KeyId=key)
    blob = bob.encrypt(KeyId=key, Plaintext=b"demo data", EncryptionContext={"app": "demo"})["CiphertextBlob"]
    assert bob.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "demo"})["Plaintext"] == b"demo data"
    denied(bob.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"app": "other"})
    denied(bob.encrypt, KeyId=key, Plaintext=b"x")
    denied(bob.generate_data_key, KeyId=key, KeySpec="AES_256", EncryptionContext={"app": "demo"})
    denied(bob.create_key)


@pytest.mark.parametrize("condition,context,allowed", [
    ({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["app", "env"]}}, {"app": "a"}, True),
    ({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["app", "env"]}}, {"app": "a", "x": "1"}, False),
    ({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "env"}}, {"app": "a"}, False),
    ({"StringLike": {"kms:EncryptionContext:app": "web-*"}}, {"app": "web-frontend"}, True),
    ({"StringLike": {"kms:EncryptionContext:app": "web-*"}}, {"app": "api"}, False),
    ({"StringEqualsIfExists": {"kms:EncryptionContext:app": "demo"}}, {}, True),
    ({"StringEquals": {"kms:EncryptionContext:app": "demo"}}, {}, False),
    ({"Null": {"kms:EncryptionContext:app": "false"}}, {"app": "anything"}, True),
    ({"Null": {"kms:EncryptionContext:app": "false"}}, {}, False),
    ({"StringEquals": {"kms:CallerAccount": ACCOUNT}}, {}, True),
    ({"StringEquals": {"kms:CallerAccount": "999999999999"}}, {}, False),
    ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/al*"}}, {}, True),
    ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {}, True),
    ({"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {}, False),
    ({"StringEquals": {"kms:KeyOrigin": "AWS_KMS", "kms:KeySpec": "SYMMETRIC_DEFAULT"}}, {}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, {}, False),
])
def test_key_policy_conditions(server, condition, context, allowed):
    admin, alice = make_client(server), make_client(server, identity="alice")
    key = admin.create_key(Policy=policy(
        ADMIN_STATEMENT,
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": "kms:Encrypt", "Resource": "*",
         "Condition": condition},
    ))["KeyMetadata"]["KeyId"]
    if allowed:
        alice.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=context)
    else:
        denied(alice.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext=context)


def test_grants_authorize_their_grantee_within_their_constraints(server):
    admin, alice = make_client(server), make_client(server, identity="alice")
    key = admin.create_key()["KeyMetadata"]["KeyId"]
    denied(alice.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"app": "demo"})
    grant = admin.create_grant(KeyId=key, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/alice",
                               Operations=["Encrypt", "Decrypt"], Constraints={"EncryptionContextSubset": {"app": "demo"}},
                               RetiringPrincipal=f"arn:aws:iam::{ACCOUNT}:role/deployer")
    # Effective at once (with or without the grant token).
    blob = alice.encrypt(KeyId=key, Plaintext=b"granted", EncryptionContext={"app": "demo", "extra": "1"},
                         GrantTokens=[grant["GrantToken"]])["CiphertextBlob"]
    assert alice.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "demo", "extra": "1"})["Plaintext"] == b"granted"
    denied(alice.encrypt, KeyId=key, Plaintext=b"x")  # the constraint does not hold
    denied(alice.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"app": "other"})
    denied(alice.generate_data_key, KeyId=key, KeySpec="AES_256", EncryptionContext={"app": "demo"})  # not a granted operation
    denied(alice.revoke_grant, KeyId=key, GrantId=grant["GrantId"])  # RevokeGrant needs the key policy
    # The retiring principal may retire it without any key policy permission.
    make_client(server, identity="deployer").retire_grant(KeyId=key, GrantId=grant["GrantId"])
    denied(alice.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"app": "demo"})


def test_grantee_may_retire_when_granted(server):
    admin, alice = make_client(server), make_client(server, identity="alice")
    key = admin.create_key()["KeyMetadata"]["KeyId"]
    grant = admin.create_grant(KeyId=key, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/alice", Operations=["DescribeKey", "RetireGrant"])
    alice.describe_key(KeyId=key)
    alice.retire_grant(GrantToken=grant["GrantToken"])
    denied(alice.describe_key, KeyId=key)
    other = admin.create_grant(KeyId=key, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/alice", Operations=["DescribeKey"])
    denied(alice.retire_grant, GrantToken=other["GrantToken"])


def test_policy_lockout_safety_check(server):
    admin = make_client(server)
    key = admin.create_key()["KeyMetadata"]["KeyId"]
    locking = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": "kms:*", "Resource": "*"})
    with pytest.raises(ClientError) as e:
        admin.put_key_policy(KeyId=key, PolicyName="default", Policy=locking)
    assert code(e) == "MalformedPolicyDocumentException" and "will not allow you to update the key policy" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        admin.create_key(Policy=locking)
    assert code(e) == "MalformedPolicyDocumentException"
    admin.put_key_policy(KeyId=key, PolicyName="default", Policy=locking, BypassPolicyLockoutSafetyCheck=True)
    assert "because no resource-based policy allows the kms:GetKeyPolicy action" in denied(admin.get_key_policy, KeyId=key, PolicyName="default")
    alice = make_client(server, identity="alice")
    assert json.loads(alice.get_key_policy(KeyId=key, PolicyName="default")["Policy"]) == json.loads(locking)


@pytest.mark.parametrize("document", [
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]},  # no Principal
    {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "kms:*", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "kms:*", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [dict(ADMIN_STATEMENT, Condition={"StringSortOf": {"kms:CallerAccount": "1"}})]},
    {"Version": "1999-01-01", "Statement": [ADMIN_STATEMENT]},
])
def test_malformed_policies(kms, document):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(document))
    assert code(e) == "MalformedPolicyDocumentException"


def test_cross_account_use_by_key_arn(server):
    from conftest import OTHER_ACCOUNT
    admin, other = make_client(server), make_client(server, identity="other-admin")
    private = admin.create_key()["KeyMetadata"]
    shared = admin.create_key(Policy=policy(
        ADMIN_STATEMENT,
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"], "Resource": "*"},
    ))["KeyMetadata"]
    # By bare key id, another account's key does not exist; by ARN its policy decides.
    with pytest.raises(ClientError) as e:
        other.describe_key(KeyId=shared["KeyId"])
    assert code(e) == "NotFoundException"
    assert other.describe_key(KeyId=shared["Arn"])["KeyMetadata"]["AWSAccountId"] == ACCOUNT
    blob = other.encrypt(KeyId=shared["Arn"], Plaintext=b"across accounts")["CiphertextBlob"]
    assert admin.decrypt(CiphertextBlob=blob)["Plaintext"] == b"across accounts"
    assert other.decrypt(CiphertextBlob=blob)["Plaintext"] == b"across accounts"
    message = denied(other.encrypt, KeyId=private["Arn"], Plaintext=b"x")
    assert message.startswith(f"User: arn:aws:iam::{OTHER_ACCOUNT}:user/admin is not authorized to perform: kms:Encrypt")
    denied(other.generate_data_key, KeyId=shared["Arn"], KeySpec="AES_256")  # not in the key policy
    denied(other.decrypt, CiphertextBlob=admin.encrypt(KeyId=private["KeyId"], Plaintext=b"x")["CiphertextBlob"])


def test_byok_condition_keys(server):
    """A key policy that lets alice import only RSA-AES-wrapped material that expires within 30 days."""
    import time
    from byok import wrap
    admin, alice = make_client(server), make_client(server, identity="alice")
    limit = int(time.time()) + 30 * 86400
    alice_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    key = admin.create_key(Origin="EXTERNAL", Policy=policy(
        ADMIN_STATEMENT,
        {"Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": "kms:GetParametersForImport", "Resource": "*",
         "Condition": {"StringEquals": {"kms:WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256"}}},
        {"Effect": "Allow", "Principal": {"AWS": alice_arn}, "Action": "kms:ImportKeyMaterial", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ExpirationModel": "KEY_MATERIAL_EXPIRES"}, "NumericLessThanEquals": {"kms:ValidTo": limit}}},
    ))["KeyMetadata"]["KeyId"]
    denied(alice.get_parameters_for_import, KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    material = os.urandom(32)

    def attempt(**import_args):
        params = alice.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec="RSA_2048")
        return alice.import_key_material(KeyId=key, ImportToken=params["ImportToken"],
                                         EncryptedKeyMaterial=wrap(material, params["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256"), **import_args)
    denied(attempt, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    denied(attempt, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=limit + 86400)
    attempt(ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=limit - 86400)
    assert admin.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_conditions_on_the_keys_own_tags_and_aliases(server):
    """kms:ResourceAliases and aws:ResourceTag come from the key itself (its aliases are read only
    when a policy has a condition): they must be there when a condition asks."""
    admin, alice = make_client(server), make_client(server, identity="alice")

    def key_with(condition):
        key = admin.create_key(Tags=[{"TagKey": "team", "TagValue": "blue"}], Policy=policy(
            ADMIN_STATEMENT,
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": "kms:Encrypt",
             "Resource": "*", "Condition": condition},
        ))["KeyMetadata"]["KeyId"]
        admin.create_alias(AliasName=f"alias/cond-{key}", TargetKeyId=key)
        return key

    allowed = key_with({"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/cond-*"}, "StringEquals": {"aws:ResourceTag/team": "blue"}})
    alice.encrypt(KeyId=allowed, Plaintext=b"x")
    for condition in ({"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/other-*"}},
                      {"StringEquals": {"aws:ResourceTag/team": "red"}}):
        denied(alice.encrypt, KeyId=key_with(condition), Plaintext=b"x")


def test_a_grant_does_not_override_an_explicit_deny(server):
    admin, alice = make_client(server), make_client(server, identity="alice")
    key = admin.create_key(Policy=policy(
        ADMIN_STATEMENT,
        {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": "kms:Encrypt", "Resource": "*"},
    ))["KeyMetadata"]["KeyId"]
    admin.create_grant(KeyId=key, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:user/alice", Operations=["Encrypt", "Decrypt"])
    denied(alice.encrypt, KeyId=key, Plaintext=b"x")
    blob = admin.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    assert alice.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"  # the grant, where nothing denies
