"""HMAC keys: GenerateMac/VerifyMac cross-checked with Python's hmac, generated and imported material."""
import hashlib
import hmac
import os

import pytest
from botocore.exceptions import ClientError

from byok import byok
from conftest import make_client

SPECS = {"HMAC_224": ("HMAC_SHA_224", hashlib.sha224, 28, 64), "HMAC_256": ("HMAC_SHA_256", hashlib.sha256, 32, 64),
         "HMAC_384": ("HMAC_SHA_384", hashlib.sha384, 48, 128), "HMAC_512": ("HMAC_SHA_512", hashlib.sha512, 64, 128)}


def code(e):
    return e.value.response["Error"]["Code"]


@pytest.mark.parametrize("spec", SPECS)
def test_generated_hmac_key(kms, spec):
    algorithm = SPECS[spec][0]
    meta = kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    assert meta["MacAlgorithms"] == [algorithm] and "EncryptionAlgorithms" not in meta
    assert meta["KeyUsage"] == "GENERATE_VERIFY_MAC" and meta["KeySpec"] == spec
    mac = kms.generate_mac(KeyId=meta["KeyId"], Message=b"message", MacAlgorithm=algorithm)
    assert mac["MacAlgorithm"] == algorithm and mac["KeyId"] == meta["Arn"]
    assert len(mac["Mac"]) == SPECS[spec][1]().digest_size
    verified = kms.verify_mac(KeyId=meta["KeyId"], Message=b"message", MacAlgorithm=algorithm, Mac=mac["Mac"])
    assert verified["MacValid"] is True
    with pytest.raises(ClientError) as e:
        kms.verify_mac(KeyId=meta["KeyId"], Message=b"other message", MacAlgorithm=algorithm, Mac=mac["Mac"])
    assert code(e) == "KMSInvalidMacException"


@pytest.mark.parametrize("spec", SPECS)
def test_imported_hmac_material_matches_python(kms, spec):
    algorithm, digest, low, high = SPECS[spec]
    for length in (low, high):
        material = os.urandom(length)
        key = kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        byok(kms, key, material, algorithm="RSA_AES_KEY_WRAP_SHA_256", spec="RSA_2048")
        message = os.urandom(100)
        mac = kms.generate_mac(KeyId=key, Message=message, MacAlgorithm=algorithm)["Mac"]
        assert mac == hmac.new(material, message, digest).digest()
        local = hmac.new(material, b"local", digest).digest()
        assert kms.verify_mac(KeyId=key, Message=b"local", MacAlgorithm=algorithm, Mac=local)["MacValid"] is True


@pytest.mark.parametrize("spec", ["HMAC_224", "HMAC_512"])
def test_hmac_material_length_limits(kms, spec):
    _, _, low, high = SPECS[spec]
    for length in (low - 1, high + 1):
        key = kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        with pytest.raises(ClientError) as e:
            byok(kms, key, os.urandom(length), algorithm="RSA_AES_KEY_WRAP_SHA_256")
        assert code(e) == "IncorrectKeyMaterialException"


def test_hmac_errors(server, kms):
    hmac_key = kms.create_key(KeySpec="HMAC_224", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    aes_key = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.generate_mac(KeyId=hmac_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")
    assert code(e) == "InvalidKeyUsageException"
    assert e.value.response["Error"]["Message"] == "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224."
    with pytest.raises(ClientError) as e:
        kms.generate_mac(KeyId=aes_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")
    assert e.value.response["Error"]["Message"] == f"{aes_key['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac."
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=hmac_key["KeyId"], Plaintext=b"x")
    assert e.value.response["Error"]["Message"] == f"{hmac_key['Arn']} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt."
    with pytest.raises(ClientError) as e:
        make_client(server, validate=False).generate_mac(KeyId=hmac_key["KeyId"], Message=b"m", MacAlgorithm="INVALID")
    assert code(e) == "ValidationException"
    with pytest.raises(ClientError) as e:
        kms.create_key(KeySpec="HMAC_256")
    assert e.value.response["Error"]["Message"] == "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
    with pytest.raises(ClientError) as e:
        kms.enable_key_rotation(KeyId=hmac_key["KeyId"])
    assert code(e) == "UnsupportedOperationException"
