"""Asymmetric keys: Sign/Verify, GetPublicKey, RSA encryption, ECDH and data key pairs, cross-checked
with Python `cryptography` and `openssl`, for generated and imported (PKCS#8) key material."""
import hashlib
import os
import subprocess

import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from byok import byok

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
SIGNING = {
    "RSA_2048": ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
                 "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"],
    "RSA_3072": ["RSASSA_PSS_SHA_256"], "RSA_4096": ["RSASSA_PKCS1_V1_5_SHA_512"],
    "ECC_NIST_P256": ["ECDSA_SHA_256"], "ECC_NIST_P384": ["ECDSA_SHA_384"], "ECC_NIST_P521": ["ECDSA_SHA_512"],
    "ECC_SECG_P256K1": ["ECDSA_SHA_256"],
}
CURVES = {"ECC_NIST_P256": ec.SECP256R1, "ECC_NIST_P384": ec.SECP384R1, "ECC_NIST_P521": ec.SECP521R1, "ECC_SECG_P256K1": ec.SECP256K1}


def code(e):
    return e.value.response["Error"]["Code"]


def hash_of(algorithm):
    return HASHES[algorithm[-3:]]()


def local_verify(public_key, signature, message, algorithm, prehashed=False):
    """Raises InvalidSignature unless `signature` is valid; `message` is a digest when prehashed."""
    h = hash_of(algorithm)
    data_hash = utils.Prehashed(h) if prehashed else h
    if algorithm.startswith("RSASSA_PSS"):
        public_key.verify(signature, message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), data_hash)
    elif algorithm.startswith("RSASSA_PKCS1"):
        public_key.verify(signature, message, padding.PKCS1v15(), data_hash)
    else:
        public_key.verify(signature, message, ec.ECDSA(data_hash))


def local_private_key(spec):
    if spec.startswith("RSA"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(spec[4:]))
    if spec == "ECC_NIST_EDWARDS25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(CURVES[spec]())


def pkcs8(private_key):
    return private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.mark.parametrize("spec", SIGNING)
def test_generated_signing_keys(kms, spec):
    meta = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert meta["SigningAlgorithms"] == (SIGNING[spec] if spec != "RSA_3072" and spec != "RSA_4096" else SIGNING["RSA_2048"])
    assert "EncryptionAlgorithms" not in meta and meta["KeyState"] == "Enabled"
    public = kms.get_public_key(KeyId=meta["KeyId"])
    assert public["KeySpec"] == spec and public["KeyUsage"] == "SIGN_VERIFY" and public["KeyId"] == meta["Arn"]
    public_key = serialization.load_der_public_key(public["PublicKey"])
    message = os.urandom(200)
    for algorithm in SIGNING[spec]:
        signed = kms.sign(KeyId=meta["KeyId"], Message=message, SigningAlgorithm=algorithm)
        assert signed["SigningAlgorithm"] == algorithm and signed["KeyId"] == meta["Arn"]
        local_verify(public_key, signed["Signature"], message, algorithm)
        assert kms.verify(KeyId=meta["KeyId"], Message=message, Signature=signed["Signature"], SigningAlgorithm=algorithm)["SignatureValid"]
        digest = hashlib.new("sha" + algorithm[-3:], message).digest()
        by_digest = kms.sign(KeyId=meta["KeyId"], Message=digest, MessageType="DIGEST", SigningAlgorithm=algorithm)["Signature"]
        local_verify(public_key, by_digest, digest, algorithm, prehashed=True)
        assert kms.verify(KeyId=meta["KeyId"], Message=message, Signature=by_digest, SigningAlgorithm=algorithm)["SignatureValid"]
        with pytest.raises(ClientError) as e:
            kms.verify(KeyId=meta["KeyId"], Message=message + b"x", Signature=signed["Signature"], SigningAlgorithm=algorithm)
        assert code(e) == "KMSInvalidSignatureException"
        with pytest.raises(ClientError) as e:
            kms.sign(KeyId=meta["KeyId"], Message=digest[:-1], MessageType="DIGEST", SigningAlgorithm=algorithm)
        assert code(e) == "ValidationException"
        assert e.value.response["Error"]["Message"] == f"Digest is invalid length for algorithm {algorithm}."


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P384", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"])
def test_imported_signing_keys(kms, spec):
    private_key = local_private_key(spec)
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok(kms, key, pkcs8(private_key), algorithm="RSA_AES_KEY_WRAP_SHA_256", spec="RSA_4096")
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key)["PublicKey"])
    assert public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == \
        private_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    message = b"signed by a key I brought"
    if spec == "ECC_NIST_EDWARDS25519":
        signature = kms.sign(KeyId=key, Message=message, SigningAlgorithm="ED25519_SHA_512")["Signature"]
        public.verify(signature, message)
        local = private_key.sign(b"local")
        assert kms.verify(KeyId=key, Message=b"local", Signature=local, SigningAlgorithm="ED25519_SHA_512")["SignatureValid"]
        ph = kms.sign(KeyId=key, Message=message, SigningAlgorithm="ED25519_PH_SHA_512")["Signature"]
        assert kms.verify(KeyId=key, Message=message, Signature=ph, SigningAlgorithm="ED25519_PH_SHA_512")["SignatureValid"]
        with pytest.raises(ClientError) as e:
            kms.verify(KeyId=key, Message=message, Signature=ph, SigningAlgorithm="ED25519_SHA_512")
        assert code(e) == "KMSInvalidSignatureException"
        # Ed25519 is deterministic: the signature over the caller's SHA-512 digest is the RAW one.
        digest = hashlib.sha512(message).digest()
        assert kms.sign(KeyId=key, Message=digest, MessageType="DIGEST", SigningAlgorithm="ED25519_PH_SHA_512")["Signature"] == ph
        assert kms.verify(KeyId=key, Message=digest, MessageType="DIGEST", Signature=ph, SigningAlgorithm="ED25519_PH_SHA_512")["SignatureValid"]
        with pytest.raises(ClientError) as e:
            kms.sign(KeyId=key, Message=digest[:32], MessageType="DIGEST", SigningAlgorithm="ED25519_PH_SHA_512")
        assert code(e) == "ValidationException"
        with pytest.raises(ClientError) as e:
            kms.sign(KeyId=key, Message=digest, MessageType="DIGEST", SigningAlgorithm="ED25519_SHA_512")
        assert code(e) == "ValidationException"
        return
    algorithm = SIGNING.get(spec, ["RSASSA_PSS_SHA_256"])[0]
    local_verify(public, kms.sign(KeyId=key, Message=message, SigningAlgorithm=algorithm)["Signature"], message, algorithm)
    if spec.startswith("RSA"):
        local = private_key.sign(b"local", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    else:
        local = private_key.sign(b"local", ec.ECDSA(hash_of(algorithm)))
    assert kms.verify(KeyId=key, Message=b"local", Signature=local, SigningAlgorithm=algorithm)["SignatureValid"]


def test_openssl_verifies_a_kms_signature(kms, tmp_path):
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    (tmp_path / "pub.der").write_bytes(kms.get_public_key(KeyId=key)["PublicKey"])
    (tmp_path / "msg").write_bytes(b"hello openssl")
    (tmp_path / "sig").write_bytes(kms.sign(KeyId=key, Message=b"hello openssl", SigningAlgorithm="ECDSA_SHA_256")["Signature"])
    subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", "pub.der", "-out", "pub.pem"], cwd=tmp_path, check=True)
    out = subprocess.run(["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "msg"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0 and "Verified OK" in out.stdout


@pytest.mark.parametrize("algorithm,limit", [("RSAES_OAEP_SHA_1", 214), ("RSAES_OAEP_SHA_256", 190)])
def test_rsa_encryption(kms, algorithm, limit):
    meta = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    assert meta["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"])
    h = hashes.SHA1() if algorithm.endswith("_1") else hashes.SHA256()
    local = public.encrypt(b"encrypted locally", padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
    decrypted = kms.decrypt(KeyId=meta["KeyId"], CiphertextBlob=local, EncryptionAlgorithm=algorithm)
    assert decrypted["Plaintext"] == b"encrypted locally" and decrypted["EncryptionAlgorithm"] == algorithm
    remote = kms.encrypt(KeyId=meta["KeyId"], Plaintext=b"x" * limit, EncryptionAlgorithm=algorithm)
    assert remote["EncryptionAlgorithm"] == algorithm
    assert kms.decrypt(KeyId=meta["KeyId"], CiphertextBlob=remote["CiphertextBlob"], EncryptionAlgorithm=algorithm)["Plaintext"] == b"x" * limit
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=meta["KeyId"], Plaintext=b"x" * (limit + 1), EncryptionAlgorithm=algorithm)
    assert e.value.response["Error"]["Message"] == f"Algorithm {algorithm} and key spec RSA_2048 cannot encrypt data larger than {limit} bytes."
    for call in (lambda: kms.encrypt(KeyId=meta["KeyId"], Plaintext=b"x"),
                 lambda: kms.decrypt(KeyId=meta["KeyId"], CiphertextBlob=local)):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "InvalidKeyUsageException"
    with pytest.raises(ClientError) as e:
        kms.decrypt(KeyId=meta["KeyId"], CiphertextBlob=os.urandom(256), EncryptionAlgorithm=algorithm)
    assert code(e) == "InvalidCiphertextException"


@pytest.mark.parametrize("spec", ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"])
def test_derive_shared_secret(kms, spec):
    meta = kms.create_key(KeySpec=spec, KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    assert meta["KeyAgreementAlgorithms"] == ["ECDH"]
    kms_public = serialization.load_der_public_key(kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"])
    mine = ec.generate_private_key(CURVES[spec]())
    my_public = mine.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    derived = kms.derive_shared_secret(KeyId=meta["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=my_public)
    assert derived["SharedSecret"] == mine.exchange(ec.ECDH(), kms_public)
    assert derived["KeyAgreementAlgorithm"] == "ECDH" and derived["KeyOrigin"] == "AWS_KMS"
    other_curve = ec.generate_private_key(ec.SECP256K1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ClientError) as e:
        kms.derive_shared_secret(KeyId=meta["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=other_curve)
    assert code(e) == "ValidationException"


@pytest.mark.parametrize("pair_spec", ["RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"])
def test_generate_data_key_pair(kms, pair_spec):
    key = kms.create_key()["KeyMetadata"]
    pair = kms.generate_data_key_pair(KeyId=key["KeyId"], KeyPairSpec=pair_spec, EncryptionContext={"use": "pair"})
    assert pair["KeyPairSpec"] == pair_spec and pair["KeyId"] == key["Arn"]
    private_key = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    assert private_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == pair["PublicKey"]
    assert kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"use": "pair"})["Plaintext"] == pair["PrivateKeyPlaintext"]
    without = kms.generate_data_key_pair_without_plaintext(KeyId=key["KeyId"], KeyPairSpec=pair_spec)
    assert "PrivateKeyPlaintext" not in without and without["PublicKey"]


def test_asymmetric_refusals(kms):
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    for args, expected in [({"KeySpec": "RSA_2048"}, "ValidationException"),
                           ({"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "ENCRYPT_DECRYPT"}, "ValidationException"),
                           ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "ENCRYPT_DECRYPT"}, "ValidationException")]:
        with pytest.raises(ClientError) as e:
            kms.create_key(**args)
        assert code(e) == expected
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=signing["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_384")
    assert e.value.response["Error"]["Message"] == "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256."
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=signing["KeyId"], Plaintext=b"m")
    assert e.value.response["Error"]["Message"] == f"{signing['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt."
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    for call in (lambda: kms.get_public_key(KeyId=symmetric), lambda: kms.enable_key_rotation(KeyId=signing["KeyId"])):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "UnsupportedOperationException"
    with pytest.raises(ClientError) as e:
        kms.generate_data_key(KeyId=signing["KeyId"], KeySpec="AES_256")
    assert code(e) == "InvalidKeyUsageException"


def test_asymmetric_import_rules(kms):
    rsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.get_parameters_for_import(KeyId=rsa_key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_4096")
    assert code(e) == "ValidationException"
    p521 = kms.create_key(KeySpec="ECC_NIST_P521", KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.get_parameters_for_import(KeyId=p521, WrappingAlgorithm="RSAES_OAEP_SHA_1", WrappingKeySpec="RSA_2048")
    assert code(e) == "ValidationException"
    byok(kms, p521, pkcs8(local_private_key("ECC_NIST_P521")), algorithm="RSAES_OAEP_SHA_256", spec="RSA_3072")
    p256 = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    for wrong in (pkcs8(local_private_key("ECC_NIST_P384")), pkcs8(local_private_key("ECC_SECG_P256K1")), os.urandom(64)):
        with pytest.raises(ClientError) as e:
            byok(kms, p256, wrong, algorithm="RSA_AES_KEY_WRAP_SHA_256")
        assert code(e) == "IncorrectKeyMaterialException"
    assert kms.describe_key(KeyId=p256)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_ed25519ph_matches_rfc8032(kms):
    """RFC 8032 section 7.3: the Ed25519ph signature of "abc" under the RFC's key, through the API."""
    seed = bytes.fromhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
    private_key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    key = kms.create_key(KeySpec="ECC_NIST_EDWARDS25519", KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok(kms, key, pkcs8(private_key), algorithm="RSAES_OAEP_SHA_256")
    expected = ("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
                "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406")
    signature = kms.sign(KeyId=key, Message=b"abc", SigningAlgorithm="ED25519_PH_SHA_512")["Signature"]
    assert signature.hex() == expected
    digest = hashlib.sha512(b"abc").digest()
    assert kms.sign(KeyId=key, Message=digest, MessageType="DIGEST", SigningAlgorithm="ED25519_PH_SHA_512")["Signature"].hex() == expected
