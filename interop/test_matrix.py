"""Operation × key-spec matrix: every key-taking operation against a key of every spec and usage
gives either success or the error AWS documents for that combination; where the success involves
crypto, the result is cross-checked with Python `cryptography`."""
import hashlib

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, padding, rsa

# Every key spec of the botocore model (SM2: China Regions only) with each usage it allows.
KEYS = [
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
    ("HMAC_224", "GENERATE_VERIFY_MAC"), ("HMAC_256", "GENERATE_VERIFY_MAC"),
    ("HMAC_384", "GENERATE_VERIFY_MAC"), ("HMAC_512", "GENERATE_VERIFY_MAC"),
    ("RSA_2048", "ENCRYPT_DECRYPT"), ("RSA_2048", "SIGN_VERIFY"),
    ("RSA_3072", "ENCRYPT_DECRYPT"), ("RSA_3072", "SIGN_VERIFY"),
    ("RSA_4096", "ENCRYPT_DECRYPT"), ("RSA_4096", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "SIGN_VERIFY"), ("ECC_NIST_P256", "KEY_AGREEMENT"),
    ("ECC_NIST_P384", "SIGN_VERIFY"), ("ECC_NIST_P384", "KEY_AGREEMENT"),
    ("ECC_NIST_P521", "SIGN_VERIFY"), ("ECC_NIST_P521", "KEY_AGREEMENT"),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"), ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
    ("ML_DSA_44", "SIGN_VERIFY"), ("ML_DSA_65", "SIGN_VERIFY"), ("ML_DSA_87", "SIGN_VERIFY"),
]
SIGNING = {"ECC_NIST_P256": "ECDSA_SHA_256", "ECC_NIST_P384": "ECDSA_SHA_384", "ECC_NIST_P521": "ECDSA_SHA_512",
           "ECC_SECG_P256K1": "ECDSA_SHA_256", "ECC_NIST_EDWARDS25519": "ED25519_SHA_512"}
CURVES = {"ECC_NIST_P256": ec.SECP256R1, "ECC_NIST_P384": ec.SECP384R1, "ECC_NIST_P521": ec.SECP521R1}
MESSAGE = b"matrix message"


def signing_algorithm(spec):
    if spec.startswith("RSA"):
        return "RSASSA_PSS_SHA_256"
    return "ML_DSA_SHAKE_256" if spec.startswith("ML_DSA") else SIGNING.get(spec, "ECDSA_SHA_256")


def mac_algorithm(spec):
    return spec.replace("HMAC_", "HMAC_SHA_") if spec.startswith("HMAC") else "HMAC_SHA_256"


def supports(op, spec, usage):
    symmetric = spec == "SYMMETRIC_DEFAULT"
    return {
        "Encrypt": usage == "ENCRYPT_DECRYPT", "GenerateDataKey": symmetric, "GenerateDataKeyWithoutPlaintext": symmetric,
        "GenerateDataKeyPair": symmetric, "Sign": usage == "SIGN_VERIFY", "GetPublicKey": not symmetric and not spec.startswith("HMAC"),
        "GenerateMac": usage == "GENERATE_VERIFY_MAC", "DeriveSharedSecret": usage == "KEY_AGREEMENT",
        "EnableKeyRotation": symmetric, "RotateKeyOnDemand": symmetric, "GetKeyRotationStatus": symmetric,
        "DescribeKey": True, "ListKeyRotations": True, "CreateGrant": True, "GetKeyLastUsage": True,
    }[op]


def call(kms, op, key_id, spec, peer):
    peer = peer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "Encrypt": lambda: kms.encrypt(KeyId=key_id, Plaintext=MESSAGE, **({} if spec == "SYMMETRIC_DEFAULT" else {"EncryptionAlgorithm": "RSAES_OAEP_SHA_256"})),
        "GenerateDataKey": lambda: kms.generate_data_key(KeyId=key_id, KeySpec="AES_256"),
        "GenerateDataKeyWithoutPlaintext": lambda: kms.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16),
        "GenerateDataKeyPair": lambda: kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256"),
        "Sign": lambda: kms.sign(KeyId=key_id, Message=MESSAGE, SigningAlgorithm=signing_algorithm(spec)),
        "GetPublicKey": lambda: kms.get_public_key(KeyId=key_id),
        "GenerateMac": lambda: kms.generate_mac(KeyId=key_id, Message=MESSAGE, MacAlgorithm=mac_algorithm(spec)),
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


def cross_check(kms, op, key_id, spec, peer, response):
    """Checks a successful result with an implementation independent of Trent."""
    if op in ("Sign", "Encrypt", "DeriveSharedSecret", "GetPublicKey") and spec != "SYMMETRIC_DEFAULT":
        public = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    if op == "Sign":
        signature = response["Signature"]
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, MESSAGE, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            digest = {"ECDSA_SHA_256": hashes.SHA256(), "ECDSA_SHA_384": hashes.SHA384(), "ECDSA_SHA_512": hashes.SHA512()}
            public.verify(signature, MESSAGE, ec.ECDSA(digest[signing_algorithm(spec)]))
        else:
            assert isinstance(public, (ed25519.Ed25519PublicKey, mldsa.MLDSA44PublicKey, mldsa.MLDSA65PublicKey, mldsa.MLDSA87PublicKey))
            public.verify(signature, MESSAGE)
    elif op == "Encrypt" and spec != "SYMMETRIC_DEFAULT":
        local = public.encrypt(MESSAGE, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
        assert kms.decrypt(KeyId=key_id, CiphertextBlob=local, EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] == MESSAGE
    elif op == "Encrypt":
        assert kms.decrypt(CiphertextBlob=response["CiphertextBlob"])["Plaintext"] == MESSAGE
    elif op == "DeriveSharedSecret":
        assert response["SharedSecret"] == peer.exchange(ec.ECDH(), public)
    elif op == "GenerateMac":  # generated material: length and VerifyMac here; test_hmac checks imported keys with hmac
        name = mac_algorithm(spec).replace("HMAC_SHA_", "sha")
        assert kms.verify_mac(KeyId=key_id, Message=MESSAGE, MacAlgorithm=mac_algorithm(spec), Mac=response["Mac"])["MacValid"]
        assert len(response["Mac"]) == hashlib.new(name).digest_size
    elif op == "GetPublicKey":
        assert response["KeySpec"] == spec and response["KeyUsage"] == kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyUsage"]


@pytest.mark.parametrize("spec,usage", KEYS)
@pytest.mark.parametrize("op", OPERATIONS)
def test_matrix(kms, keys, op, spec, usage):
    key_id = keys[(spec, usage)]
    peer = ec.generate_private_key(CURVES.get(spec, ec.SECP384R1)())
    if supports(op, spec, usage):
        cross_check(kms, op, key_id, spec, peer, call(kms, op, key_id, spec, peer))
    else:
        with pytest.raises(ClientError) as e:
            call(kms, op, key_id, spec, peer)
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
