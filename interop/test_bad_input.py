"""Malformed requests get AWS-style errors, change nothing, and never stop the server."""
import base64
import os

import pytest

from conftest import raw_call


def key_count(server):
    return len(raw_call(server, "TrentService.ListKeys", {"Limit": 1000})[2]["Keys"])


@pytest.fixture()
def pending_key(server):
    status, _, body = raw_call(server, "TrentService.CreateKey", {"Origin": "EXTERNAL"})
    assert status == 200
    return body["KeyMetadata"]["KeyId"]


def assert_error(response, type_, message=None):
    status, headers, body = response
    assert status == 400, body
    assert body["__type"] == type_, body
    assert headers.get("x-amzn-ErrorType") == type_
    assert headers.get("x-amzn-RequestId")
    assert "message" in body
    if message is not None:
        assert body["message"] == message


@pytest.mark.parametrize("body", [b"{", b"not json", b"[]", b'"string"', b"\xff\xfe", b'{"KeyId": '])
def test_malformed_json(server, body):
    assert_error(raw_call(server, "TrentService.DescribeKey", body), "SerializationException")


def test_unknown_and_missing_targets(server):
    assert_error(raw_call(server, "TrentService.NoSuchOperation", {}), "UnknownOperationException")
    assert_error(raw_call(server, "SomethingElse.DescribeKey", {}), "UnknownOperationException")
    assert_error(raw_call(server, None, {}), "UnknownOperationException")



def test_missing_members(server):
    assert_error(raw_call(server, "TrentService.DescribeKey", {}), "ValidationException",
                 "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
    _, _, body = raw_call(server, "TrentService.ImportKeyMaterial", {"KeyId": "k"})
    assert body["__type"] == "ValidationException" and body["message"].startswith("2 validation errors detected:")


@pytest.mark.parametrize("body", [
    {"KeyId": 123},
    {"KeyId": ["a"]},
    {"KeyId": {"a": 1}},
    {"KeyId": None, "GrantTokens": "notalist"},
])
def test_mistyped_members(server, body):
    assert_error(raw_call(server, "TrentService.DescribeKey", body), "SerializationException")


def test_bad_base64_and_mistyped_blobs(server, pending_key):
    assert_error(raw_call(server, "TrentService.Encrypt", {"KeyId": pending_key, "Plaintext": "!!!not base64!!!"}), "SerializationException")
    assert_error(raw_call(server, "TrentService.Encrypt", {"KeyId": pending_key, "Plaintext": 5}), "SerializationException")
    assert_error(raw_call(server, "TrentService.ImportKeyMaterial",
                          {"KeyId": pending_key, "ImportToken": "@@", "EncryptedKeyMaterial": "AA=="}), "SerializationException")


def test_oversized_blobs(server, pending_key):
    big = base64.b64encode(os.urandom(4097)).decode()
    assert_error(raw_call(server, "TrentService.Encrypt", {"KeyId": pending_key, "Plaintext": big}), "ValidationException",
                 "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
    huge = base64.b64encode(os.urandom(6145)).decode()
    assert_error(raw_call(server, "TrentService.ImportKeyMaterial",
                          {"KeyId": pending_key, "ImportToken": huge, "EncryptedKeyMaterial": huge}), "ValidationException")


def test_oversized_body(server):
    assert_error(raw_call(server, "TrentService.DescribeKey", b'{"KeyId": "' + b"a" * (2 << 20) + b'"}'), "SerializationException")


def test_constraint_violations(server, pending_key):
    assert_error(raw_call(server, "TrentService.GetParametersForImport",
                          {"KeyId": pending_key, "WrappingAlgorithm": "ROT13", "WrappingKeySpec": "RSA_2048"}), "ValidationException",
                 "1 validation error detected: Value 'ROT13' at 'wrappingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: "
                 "[RSAES_PKCS1_V1_5, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256, SM2PKE]")
    assert_error(raw_call(server, "TrentService.DescribeKey", {"KeyId": ""}), "ValidationException")
    assert_error(raw_call(server, "TrentService.ListKeys", {"Limit": 0}), "ValidationException",
                 "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
    assert_error(raw_call(server, "TrentService.CreateAlias", {"AliasName": "alias/bad name!", "TargetKeyId": pending_key}), "ValidationException")


@pytest.mark.parametrize("token", [b"", b"x", os.urandom(75), os.urandom(6000)])
def test_garbage_tokens_change_nothing(server, pending_key, token):
    body = {"KeyId": pending_key, "ImportToken": base64.b64encode(token).decode(),
            "EncryptedKeyMaterial": base64.b64encode(os.urandom(256)).decode(), "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}
    status, _, response = raw_call(server, "TrentService.ImportKeyMaterial", body)
    assert status == 400
    assert response["__type"] == ("ValidationException" if not token else "InvalidImportTokenException")
    _, _, described = raw_call(server, "TrentService.DescribeKey", {"KeyId": pending_key})
    assert described["KeyMetadata"]["KeyState"] == "PendingImport"


def test_garbage_and_truncated_ciphertexts(server):
    _, _, created = raw_call(server, "TrentService.CreateKey", {})
    key = created["KeyMetadata"]["KeyId"]
    _, _, encrypted = raw_call(server, "TrentService.Encrypt", {"KeyId": key, "Plaintext": base64.b64encode(b"hello").decode()})
    blob = base64.b64decode(encrypted["CiphertextBlob"])
    for bad in (os.urandom(100), blob[:-1], blob[:60], blob[:1], blob[:-1] + bytes([blob[-1] ^ 1])):
        assert_error(raw_call(server, "TrentService.Decrypt", {"CiphertextBlob": base64.b64encode(bad).decode()}), "InvalidCiphertextException")
    status, _, decrypted = raw_call(server, "TrentService.Decrypt", {"CiphertextBlob": encrypted["CiphertextBlob"]})
    assert status == 200 and base64.b64decode(decrypted["Plaintext"]) == b"hello"


def test_server_keeps_serving_and_nothing_changed(server):
    before = key_count(server)
    for body in (b"{" * 10000, b"\x00" * 5000, b'{"Limit": 1e999}', b'{"Limit": -1}', b'{"Limit": 99999999999999999999999}'):
        status, _, _ = raw_call(server, "TrentService.ListKeys", body)
        assert status == 400
    status, _, _ = raw_call(server, "TrentService.CreateKey", {"Origin": "NOPE"})
    assert status == 400
    assert key_count(server) == before
    assert raw_call(server, "TrentService.ListKeys", {})[0] == 200


@pytest.mark.parametrize("operation", ["CreateCustomKeyStore", "DescribeCustomKeyStores", "ConnectCustomKeyStore"])
def test_custom_key_stores_are_refused_clearly(server, operation):
    status, _, body = raw_call(server, f"TrentService.{operation}", {})
    assert status == 400 and body["__type"] == "UnsupportedOperationException"
    assert body["message"].startswith("Custom key stores")
