"""Every BYOK rule of issue #2 and the AWS error a boto3 user gets when it is broken."""
import datetime
import os

import pytest
from botocore.exceptions import ClientError

from byok import byok, wrap
from conftest import make_client


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def external_key(kms, **kwargs):
    return kms.create_key(Origin="EXTERNAL", **kwargs)["KeyMetadata"]["KeyId"]


def state(kms, key_id):
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


MATERIAL = os.urandom(32)


def test_expiration_model_defaults_to_expires_and_needs_valid_to(kms):
    key = external_key(kms)
    params = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    wrapped = wrap(MATERIAL, params["PublicKey"], "RSAES_OAEP_SHA_256")
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=key, ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped)
    assert error_code(e) == "ValidationException"
    assert e.value.response["Error"]["Message"] == "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
    # Without ExpirationModel but with ValidTo, the default (expires) applies.
    kms.import_key_material(KeyId=key, ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped,
                            ValidTo=now() + datetime.timedelta(days=10))
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES" and meta["KeyState"] == "Enabled"


@pytest.mark.parametrize("model,valid_to", [
    ("KEY_MATERIAL_EXPIRES", -60),
    ("KEY_MATERIAL_EXPIRES", 366 * 86400),
    ("KEY_MATERIAL_DOES_NOT_EXPIRE", 3600),
])
def test_valid_to_rules(kms, model, valid_to):
    key = external_key(kms)
    with pytest.raises(ClientError) as e:
        byok(kms, key, MATERIAL, ExpirationModel=model, ValidTo=now() + datetime.timedelta(seconds=valid_to))
    assert error_code(e) == "ValidationException"
    assert state(kms, key) == "PendingImport"


def test_valid_to_may_be_365_days_ahead(kms):
    key = external_key(kms)
    byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=now() + datetime.timedelta(days=364, hours=23))
    assert state(kms, key) == "Enabled"


def test_token_only_for_its_key(kms):
    key_a, key_b = external_key(kms), external_key(kms)
    params = kms.get_parameters_for_import(KeyId=key_a, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    wrapped = wrap(MATERIAL, params["PublicKey"], "RSAES_OAEP_SHA_256")
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=key_b, ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped,
                                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert error_code(e) == "InvalidImportTokenException"
    assert state(kms, key_b) == "PendingImport"


@pytest.mark.parametrize("mangle", ["garbage", "truncated", "flipped"])
def test_forged_tokens_are_invalid(kms, mangle):
    key = external_key(kms)
    params = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    token = params["ImportToken"]
    token = {"garbage": os.urandom(len(token)), "truncated": token[:-5],
             "flipped": token[:10] + bytes([token[10] ^ 1]) + token[11:]}[mangle]
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=key, ImportToken=token, EncryptedKeyMaterial=wrap(MATERIAL, params["PublicKey"], "RSAES_OAEP_SHA_256"),
                                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert error_code(e) == "InvalidImportTokenException"
    assert state(kms, key) == "PendingImport"


def test_material_must_be_wrapped_under_the_tokens_key_and_algorithm(kms):
    key = external_key(kms)
    first = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    second = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    assert first["PublicKey"] != second["PublicKey"] and first["ImportToken"] != second["ImportToken"]
    for wrapped in (wrap(MATERIAL, second["PublicKey"], "RSAES_OAEP_SHA_256"),   # another pair's public key
                    wrap(MATERIAL, first["PublicKey"], "RSAES_OAEP_SHA_1"),      # another algorithm
                    os.urandom(256)):                                            # garbage
        with pytest.raises(ClientError) as e:
            kms.import_key_material(KeyId=key, ImportToken=first["ImportToken"], EncryptedKeyMaterial=wrapped,
                                    ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        assert error_code(e) == "InvalidCiphertextException"
    assert state(kms, key) == "PendingImport"
    # The earlier, unexpired pair is still usable after a newer one was issued.
    kms.import_key_material(KeyId=key, ImportToken=first["ImportToken"], EncryptedKeyMaterial=wrap(MATERIAL, first["PublicKey"], "RSAES_OAEP_SHA_256"),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert state(kms, key) == "Enabled"


def test_expired_token(own_server):
    kms = make_client(own_server)
    key = external_key(kms)
    params = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec="RSA_2048")
    own_server.set_clock(24 * 3600 + 5)
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=key, ImportToken=params["ImportToken"],
                                EncryptedKeyMaterial=wrap(MATERIAL, params["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256"),
                                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert error_code(e) == "ExpiredImportTokenException"
    assert state(kms, key) == "PendingImport"


@pytest.mark.parametrize("length", [16, 31, 33, 64])
def test_symmetric_material_is_exactly_256_bits(kms, length):
    key = external_key(kms)
    with pytest.raises(ClientError) as e:
        byok(kms, key, os.urandom(length), algorithm="RSA_AES_KEY_WRAP_SHA_256")
    assert error_code(e) == "IncorrectKeyMaterialException"
    assert state(kms, key) == "PendingImport"


def test_only_the_same_material_can_be_reimported(kms):
    key = external_key(kms)
    first = byok(kms, key, MATERIAL)
    ciphertext = kms.encrypt(KeyId=key, Plaintext=b"before", EncryptionContext={"k": "v"})["CiphertextBlob"]

    # The current import cannot be changed in place.
    with pytest.raises(ClientError) as e:
        byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=now() + datetime.timedelta(days=1))
    assert error_code(e) == "KMSInvalidStateException"

    deleted = kms.delete_imported_key_material(KeyId=key)
    assert deleted["KeyMaterialId"] == first["KeyMaterialId"]
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport" and meta["Enabled"] is False and "ExpirationModel" not in meta
    for call in (lambda: kms.encrypt(KeyId=key, Plaintext=b"x"),
                 lambda: kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={"k": "v"})):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "KMSInvalidStateException"
        assert e.value.response["Error"]["Message"].endswith("is pending import.")

    with pytest.raises(ClientError) as e:
        byok(kms, key, os.urandom(32))
    assert error_code(e) == "IncorrectKeyMaterialException"
    assert state(kms, key) == "PendingImport"

    again = byok(kms, key, MATERIAL, algorithm="RSA_AES_KEY_WRAP_SHA_1", spec="RSA_3072",
                 ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=now() + datetime.timedelta(days=2))
    assert again["KeyMaterialId"] == first["KeyMaterialId"]
    assert kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={"k": "v"})["Plaintext"] == b"before"
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"


def test_key_material_id_depends_on_key_and_material(kms):
    key_a, key_b = external_key(kms), external_key(kms)
    id_a = byok(kms, key_a, MATERIAL)["KeyMaterialId"]
    id_b = byok(kms, key_b, MATERIAL)["KeyMaterialId"]
    assert id_a != id_b
    assert kms.describe_key(KeyId=key_a)["KeyMetadata"]["CurrentKeyMaterialId"] == id_a


def test_import_type_and_key_material_id(kms):
    key = external_key(kms)
    with pytest.raises(ClientError) as e:
        byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", ImportType="EXISTING_KEY_MATERIAL")
    assert error_code(e) == "IncorrectKeyMaterialException"
    first = byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", ImportType="NEW_KEY_MATERIAL")
    kms.delete_imported_key_material(KeyId=key, KeyMaterialId=first["KeyMaterialId"])
    with pytest.raises(ClientError) as e:
        byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", KeyMaterialId="0" * 64)
    assert error_code(e) == "IncorrectKeyMaterialException"
    again = byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
                 ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=first["KeyMaterialId"])
    assert again["KeyMaterialId"] == first["KeyMaterialId"]


def test_delete_material_of_key_pending_deletion(kms):
    key = external_key(kms)
    byok(kms, key, MATERIAL)
    scheduled = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert scheduled["KeyState"] == "PendingDeletion" and scheduled["PendingWindowInDays"] == 7
    kms.delete_imported_key_material(KeyId=key)
    assert state(kms, key) == "PendingDeletion"
    with pytest.raises(ClientError) as e:
        kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    assert error_code(e) == "KMSInvalidStateException"
    kms.cancel_key_deletion(KeyId=key)
    assert state(kms, key) == "PendingImport"


def test_import_operations_need_an_external_key(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    arn = kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    with pytest.raises(ClientError) as e:
        kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    assert error_code(e) == "UnsupportedOperationException"
    assert e.value.response["Error"]["Message"] == f"{arn} origin is AWS_KMS which is not valid for this operation."
    for call in (lambda: kms.import_key_material(KeyId=key, ImportToken=b"t" * 75, EncryptedKeyMaterial=b"m" * 256,
                                                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE"),
                 lambda: kms.delete_imported_key_material(KeyId=key)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "UnsupportedOperationException"


def test_key_identifiers(kms):
    key = external_key(kms)
    alias = f"alias/import-{key[:8]}"
    kms.create_alias(AliasName=alias, TargetKeyId=key)
    for key_id, code in [
        ("11111111-2222-3333-4444-555555555555", "NotFoundException"),
        ("not-a-key-id", "NotFoundException"),
        (alias, "NotFoundException"),  # the import operations take a key id or key ARN only
    ]:
        with pytest.raises(ClientError) as e:
            kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
        assert error_code(e) == code
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId="not-a-key-id")
    assert e.value.response["Error"]["Message"] == "Invalid keyId 'not-a-key-id'"
    arn = kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    kms.get_parameters_for_import(KeyId=arn, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
    byok(kms, arn, MATERIAL)
    alias_arn = arn.split(":key/")[0] + ":" + alias
    for key_id in (key, arn, alias, alias_arn):
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key
        ct = kms.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=ct, KeyId=key_id)["Plaintext"] == b"p"


@pytest.mark.parametrize("algorithm,spec", [("RSAES_PKCS1_V1_5", "RSA_2048"), ("SM2PKE", "SM2"), ("RSAES_OAEP_SHA_256", "SM2")])
def test_unsupported_wrapping(kms, algorithm, spec):
    key = external_key(kms)
    with pytest.raises(ClientError) as e:
        kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm=algorithm, WrappingKeySpec=spec)
    assert error_code(e) == "ValidationException"


def test_expiry_is_immediate_and_made_durable(own_server):
    kms = make_client(own_server)
    key = external_key(kms)
    byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=now() + datetime.timedelta(hours=1))
    ct = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    own_server.set_clock(3600 + 60)
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport" and "ValidTo" not in meta
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=ct)
    assert error_code(e) == "KMSInvalidStateException"
    own_server.sweep()
    records = own_server.audit_lookup("--event-name", "DeleteExpiredKeyMaterial")
    assert [r["eventType"] for r in records if r["resources"][0]["ARN"].endswith(key)] == ["AwsServiceEvent"]
    # Durable: after a crash and restart the material is still gone, and the same material restores it.
    own_server.restart(kill=True)
    kms = make_client(own_server)
    assert state(kms, key) == "PendingImport"
    byok(kms, key, MATERIAL)
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"x"


def test_expiry_while_the_server_was_down(own_server):
    kms = make_client(own_server)
    key = external_key(kms)
    byok(kms, key, MATERIAL, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=now() + datetime.timedelta(hours=2))
    own_server.stop()
    own_server.restart(clock_offset=3 * 3600)
    # The start-up sweep finds it without any request.
    import time
    deadline = time.time() + 10
    while time.time() < deadline and not own_server.audit_lookup("--event-name", "DeleteExpiredKeyMaterial"):
        time.sleep(0.2)
    assert own_server.audit_lookup("--event-name", "DeleteExpiredKeyMaterial")
    assert state(make_client(own_server), key) == "PendingImport"
