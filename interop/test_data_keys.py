"""GenerateDataKey(WithoutPlaintext), GenerateRandom and ReEncrypt with boto3."""
import os

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from byok import byok
from conftest import make_client


def code(e):
    return e.value.response["Error"]["Code"]


@pytest.fixture()
def key(kms):
    return kms.create_key()["KeyMetadata"]


@pytest.mark.parametrize("args,length", [({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16), ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 1024}, 1024)])
def test_generate_data_key(kms, key, args, length):
    data_key = kms.generate_data_key(KeyId=key["KeyId"], EncryptionContext={"tenant": "t1"}, **args)
    assert len(data_key["Plaintext"]) == length and data_key["KeyId"] == key["Arn"]
    assert len(data_key["KeyMaterialId"]) == 64
    assert kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"], EncryptionContext={"tenant": "t1"})["Plaintext"] == data_key["Plaintext"]
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])
    assert code(e) == "InvalidCiphertextException"


def test_envelope_encryption_with_a_data_key(kms, key):
    """The pattern SDKs use: encrypt locally with the data key, keep only its ciphertext."""
    data_key = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
    nonce = os.urandom(12)
    sealed = AESGCM(data_key["Plaintext"]).encrypt(nonce, b"bulk data", None)
    recovered = kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"]
    assert AESGCM(recovered).decrypt(nonce, sealed, None) == b"bulk data"


def test_generate_data_key_without_plaintext(kms, key):
    response = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_256")
    assert "Plaintext" not in response
    assert len(kms.decrypt(CiphertextBlob=response["CiphertextBlob"])["Plaintext"]) == 32


@pytest.mark.parametrize("args", [{}, {"KeySpec": "AES_256", "NumberOfBytes": 32}])
def test_data_key_needs_exactly_one_size(kms, key, args):
    with pytest.raises(ClientError) as e:
        kms.generate_data_key(KeyId=key["KeyId"], **args)
    assert code(e) == "ValidationException"


def test_data_keys_follow_key_state(kms):
    pending = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        kms.generate_data_key(KeyId=pending, KeySpec="AES_256")
    assert code(e) == "KMSInvalidStateException"
    byok(kms, pending, os.urandom(32))
    assert len(kms.generate_data_key(KeyId=pending, KeySpec="AES_128")["Plaintext"]) == 16


@pytest.mark.parametrize("count", [1, 12, 1024])
def test_generate_random(kms, count):
    a, b = kms.generate_random(NumberOfBytes=count)["Plaintext"], kms.generate_random(NumberOfBytes=count)["Plaintext"]
    assert len(a) == count and (count < 8 or a != b)


@pytest.mark.parametrize("count,message", [
    (0, "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    (1025, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"),
])
def test_generate_random_bounds(server, count, message):
    kms = make_client(server, validate=False)
    with pytest.raises(ClientError) as e:
        kms.generate_random(NumberOfBytes=count)
    assert code(e) == "ValidationException" and e.value.response["Error"]["Message"] == message


def test_generate_random_needs_a_count(server):
    from conftest import raw_call
    status, _, body = raw_call(server, "TrentService.GenerateRandom", {})
    assert status == 400 and body == {"__type": "ValidationException", "message": "NumberOfBytes is required."}


def test_re_encrypt(kms):
    a = kms.create_key()["KeyMetadata"]
    b = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    byok(kms, b["KeyId"], os.urandom(32))
    ct = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"moving", EncryptionContext={"from": "a"})["CiphertextBlob"]
    moved = kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext={"from": "a"},
                           DestinationKeyId=b["KeyId"], DestinationEncryptionContext={"to": "b"})
    assert moved["SourceKeyId"] == a["Arn"] and moved["KeyId"] == b["Arn"]
    assert moved["SourceEncryptionAlgorithm"] == moved["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    decrypted = kms.decrypt(CiphertextBlob=moved["CiphertextBlob"], EncryptionContext={"to": "b"})
    assert decrypted["Plaintext"] == b"moving" and decrypted["KeyId"] == b["Arn"]
    for args, expected in [
        ({"SourceEncryptionContext": {"from": "x"}}, "InvalidCiphertextException"),
        ({"SourceEncryptionContext": {"from": "a"}, "SourceKeyId": b["KeyId"]}, "IncorrectKeyException"),
    ]:
        with pytest.raises(ClientError) as e:
            kms.re_encrypt(CiphertextBlob=ct, DestinationKeyId=b["KeyId"], **args)
        assert code(e) == expected
    kms.delete_imported_key_material(KeyId=b["KeyId"])
    with pytest.raises(ClientError) as e:
        kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext={"from": "a"}, DestinationKeyId=b["KeyId"])
    assert code(e) == "KMSInvalidStateException"
