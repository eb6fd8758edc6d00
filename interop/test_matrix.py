"""Operation × key-spec matrix: every key-taking operation against a key of every spec and usage
gives either success or the error AWS documents for that combination."""
import os

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEYS = [
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
    ("HMAC_224", "GENERATE_VERIFY_MAC"), ("HMAC_512", "GENERATE_VERIFY_MAC"),
    ("RSA_2048", "ENCRYPT_DECRYPT"), ("RSA_2048", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "SIGN_VERIFY"), ("ECC_NIST_P384", "KEY_AGREEMENT"),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"), ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"), ("ML_DSA_65", "SIGN_VERIFY"),
]
SIGNING = {"RSA_2048": "RSASSA_PSS_SHA_256", "ECC_NIST_P256": "ECDSA_SHA_256", "ECC_SECG_P256K1": "ECDSA_SHA_256",
           "ECC_NIST_EDWARDS25519": "ED25519_SHA_512", "ML_DSA_65": "ML_DSA_SHAKE_256"}
MAC = {"HMAC_224": "HMAC_SHA_224", "HMAC_512": "HMAC_SHA_512"}


def supports(op, spec, usage):
    symmetric = spec == "SYMMETRIC_DEFAULT"
    return {
        "Encrypt": usage == "ENCRYPT_DECRYPT", "GenerateDataKey": symmetric, "GenerateDataKeyWithoutPlaintext": symmetric,
        "GenerateDataKeyPair": symmetric, "Sign": usage == "SIGN_VERIFY", "GetPublicKey": not symmetric and not spec.startswith("HMAC"),
        "GenerateMac": usage == "GENERATE_VERIFY_MAC", "DeriveSharedSecret": usage == "KEY_AGREEMENT",
        "EnableKeyRotation": symmetric, "RotateKeyOnDemand": symmetric, "GetKeyRotationStatus": symmetric,
        "DescribeKey": True, "ListKeyRotations": True, "CreateGrant": True, "GetKeyLastUsage": True,
    }[op]


def call(kms, op, key_id, spec):
    peer = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "Encrypt": lambda: kms.encrypt(KeyId=key_id, Plaintext=b"m", **({} if spec == "SYMMETRIC_DEFAULT" else {"EncryptionAlgorithm": "RSAES_OAEP_SHA_256"})),
        "GenerateDataKey": lambda: kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"),
        "GenerateDataKeyWithoutPlaintext": lambda: kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16),
        "GenerateDataKeyPair": lambda: kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256"),
        "Sign": lambda: kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm=SIGNING.get(spec, "ECDSA_SHA_256")),
        "GetPublicKey": lambda: kms.get_public_key(KeyId=key_id),
        "GenerateMac": lambda: kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm=MAC.get(spec, "HMAC_SHA_256")),
        "DeriveSharedSecret": lambda: kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=peer),
        "EnableKeyRotation": lambda: kms.enable_key_rotation(KeyId=key_id),
        "RotateKeyOnDemand": lambda: kms.rotate_key_on_demand(KeyId=key_id),
        "GetKeyRotationStatus": lambda: kms.get_key_rotation_status(KeyId=key_id),
        "DescribeKey": lambda: kms.describe_key(KeyId=key_id),
        "ListKeyRotations": lambda: kms.list_key_rotations(KeyId=key_id),
        "CreateGrant": lambda: kms.create_grant(KeyId=key_id, GranteePrincipal="arn:aws:iam::111122223333:role/r", Operations=["DescribeKey"]),
        "GetKeyLastUsage": lambda: kms.get_key_last_usage(KeyId=key_id),
    }[op]()


OPERATIONS = ["Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair", "Sign", "GetPublicKey",
              "GenerateMac", "DeriveSharedSecret", "EnableKeyRotation", "RotateKeyOnDemand", "GetKeyRotationStatus",
              "DescribeKey", "ListKeyRotations", "CreateGrant", "GetKeyLastUsage"]


@pytest.fixture(scope="module")
def keys(server):
    from conftest import make_client
    kms = make_client(server)
    return {(spec, usage): kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"] for spec, usage in KEYS}


@pytest.mark.parametrize("spec,usage", KEYS)
@pytest.mark.parametrize("op", OPERATIONS)
def test_matrix(kms, keys, op, spec, usage):
    key_id = keys[(spec, usage)]
    if supports(op, spec, usage):
        call(kms, op, key_id, spec)
    else:
        with pytest.raises(ClientError) as e:
            call(kms, op, key_id, spec)
        assert e.value.response["Error"]["Code"] in ("InvalidKeyUsageException", "UnsupportedOperationException"), (op, spec, usage)


def test_pagination_is_stable_under_concurrent_writes(own_server):
    """Keys created or deleted between pages never make a listing repeat or skip a key that stayed."""
    from conftest import make_client
    kms = make_client(own_server)
    initial = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(8)}
    seen, marker, doomed = [], None, sorted(initial)[3]
    while True:
        page = kms.list_keys(Limit=3, **({"Marker": marker} if marker else {}))
        seen += [k["KeyId"] for k in page["Keys"]]
        kms.create_key()  # a write between pages
        if doomed not in seen:
            kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert len(seen) == len(set(seen))
    assert initial <= set(seen)
