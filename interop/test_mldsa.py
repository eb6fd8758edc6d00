"""ML-DSA-65/87 keys (pure ML-DSA, RAW messages), cross-checked with Python `cryptography`."""
import os

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

from byok import byok

LOCAL = {"ML_DSA_65": mldsa.MLDSA65PrivateKey, "ML_DSA_87": mldsa.MLDSA87PrivateKey}


def code(e):
    return e.value.response["Error"]["Code"]


@pytest.mark.parametrize("spec", ["ML_DSA_65", "ML_DSA_87"])
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
    with pytest.raises(ClientError) as e:
        kms.sign(KeyId=meta["KeyId"], Message=os.urandom(64), MessageType="EXTERNAL_MU", SigningAlgorithm="ML_DSA_SHAKE_256")
    assert code(e) == "UnsupportedOperationException"


@pytest.mark.parametrize("spec", ["ML_DSA_65", "ML_DSA_87"])
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


def test_mldsa_44_is_refused_honestly(kms):
    with pytest.raises(ClientError) as e:
        kms.create_key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")
    assert code(e) == "UnsupportedOperationException"
