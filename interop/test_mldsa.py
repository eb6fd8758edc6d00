"""ML-DSA-44/65/87 keys (pure ML-DSA: RAW messages and external mu), cross-checked with Python
`cryptography` and `hashlib`."""
import hashlib
import os

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

from byok import byok

LOCAL = {"ML_DSA_44": mldsa.MLDSA44PrivateKey, "ML_DSA_65": mldsa.MLDSA65PrivateKey, "ML_DSA_87": mldsa.MLDSA87PrivateKey}
SPECS = list(LOCAL)


def external_mu(public_der, message):
    """FIPS 204: mu = SHAKE256(tr || M', 64), tr = SHAKE256(pk, 64), M' = 0 || len(ctx)=0 || message."""
    raw = serialization.load_der_public_key(public_der).public_bytes_raw()
    tr = hashlib.shake_256(raw).digest(64)
    return hashlib.shake_256(tr + b"\x00\x00" + message).digest(64)


def code(e):
    return e.value.response["Error"]["Code"]


@pytest.mark.parametrize("spec", SPECS)
def test_generated_mldsa(kms, spec):
    meta = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert meta["SigningAlgorithms"] == ["ML_DSA_SHAKE_256"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"])
    message = os.urandom(500)
    signature = kms.sign(KeyId=meta["KeyId"], Message=message, SigningAlgorithm="ML_DSA_SHAKE_256")["Signature"]
    public.verify(signature, message)
    assert kms.verify(KeyId=meta["KeyId"], Message=message, Signature=signature, SigningAlgorithm="ML_DSA_SHAKE_256")["SignatureValid"]
    with pytest.raises(ClientError) as e:
        kms.verify(KeyId=meta["KeyId"], Message=message + b"!", Signature=signature, SigningAlgorithm="ML_DSA_SHAKE_256")
    assert code(e) == "KMSInvalidSignatureException"
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=meta["KeyId"], Message=os.urandom(64), MessageType="DIGEST", SigningAlgorithm="ML_DSA_SHAKE_256")
    assert code(e) == "ValidationException"


@pytest.mark.parametrize("spec", SPECS)
def test_external_mu(kms, spec):
    """A signature over a mu computed by the caller verifies, with `cryptography`, over the message itself."""
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    public_der = kms.get_public_key(KeyId=key)["PublicKey"]
    message = os.urandom(3000)
    mu = external_mu(public_der, message)
    signature = kms.sign(KeyId=key, Message=mu, MessageType="EXTERNAL_MU", SigningAlgorithm="ML_DSA_SHAKE_256")["Signature"]
    serialization.load_der_public_key(public_der).verify(signature, message)
    assert kms.verify(KeyId=key, Message=message, Signature=signature, SigningAlgorithm="ML_DSA_SHAKE_256")["SignatureValid"]
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=key, Message=mu[:32], MessageType="EXTERNAL_MU", SigningAlgorithm="ML_DSA_SHAKE_256")
    assert code(e) == "ValidationException"
    # Verify over a mu needs ML-DSA's internal verification, which no library here exposes.
    with pytest.raises(ClientError) as e:
        kms.verify(KeyId=key, Message=mu, MessageType="EXTERNAL_MU", Signature=signature, SigningAlgorithm="ML_DSA_SHAKE_256")
    assert code(e) == "UnsupportedOperationException"
    assert "EXTERNAL_MU" in e.value.response["Error"]["Message"]


def test_external_mu_is_for_mldsa_only(kms):
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=key, Message=os.urandom(64), MessageType="EXTERNAL_MU", SigningAlgorithm="ECDSA_SHA_256")
    assert code(e) == "ValidationException"


@pytest.mark.parametrize("spec", SPECS)
def test_imported_mldsa(kms, spec):
    private_key = LOCAL[spec].generate()
    der = private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok(kms, key, der, algorithm="RSA_AES_KEY_WRAP_SHA_256")
    assert kms.get_public_key(KeyId=key)["PublicKey"] == private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    local = private_key.sign(b"signed locally")
    assert kms.verify(KeyId=key, Message=b"signed locally", Signature=local, SigningAlgorithm="ML_DSA_SHAKE_256")["SignatureValid"]
    private_key.public_key().verify(kms.sign(KeyId=key, Message=b"signed by trent", SigningAlgorithm="ML_DSA_SHAKE_256")["Signature"],
                                    b"signed by trent")
