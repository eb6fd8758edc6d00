"""Automatic and on-demand rotation: new material becomes current, old ciphertexts still decrypt."""
import os

import pytest
from botocore.exceptions import ClientError

from byok import byok
from conftest import make_client


def code(e):
    return e.value.response["Error"]["Code"]


def test_on_demand_rotation(kms):
    meta = kms.create_key()["KeyMetadata"]
    key = meta["KeyId"]
    first = kms.describe_key(KeyId=key)["KeyMetadata"]["CurrentKeyMaterialId"]
    old = kms.encrypt(KeyId=key, Plaintext=b"before rotation")["CiphertextBlob"]
    assert kms.rotate_key_on_demand(KeyId=key)["KeyId"] == meta["Arn"]
    second = kms.describe_key(KeyId=key)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert second != first
    new = kms.encrypt(KeyId=key, Plaintext=b"after rotation")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=old)["KeyMaterialId"] == first
    assert kms.decrypt(CiphertextBlob=new)["KeyMaterialId"] == second
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before rotation"

    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert [(r["KeyMaterialId"], r["RotationType"], r["KeyMaterialState"]) for r in rotations] == [(second, "ON_DEMAND", "CURRENT")]
    assert "RotationDate" in rotations[0]
    everything = kms.list_key_rotations(KeyId=key, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    assert [(r["KeyMaterialId"], r["KeyMaterialState"]) for r in everything] == [(first, "NON_CURRENT"), (second, "CURRENT")]


def test_rotation_status_and_automatic_rotation(own_server):
    kms = make_client(own_server)
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 90
    first_next = status["NextRotationDate"]
    old = kms.encrypt(KeyId=key, Plaintext=b"old")["CiphertextBlob"]

    own_server.set_clock(91 * 86400)
    # The server's own sweeper (every 0.2 s here) may rotate it before this sweep does: what
    # counts is one rotation (the list and the one RotateKey event, below), and none again.
    own_server.sweep()
    assert own_server.sweep()["rotatedKeys"] == 0
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC"]
    assert kms.get_key_rotation_status(KeyId=key)["NextRotationDate"] > first_next
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"old"
    events = own_server.audit_lookup("--event-name", "RotateKey")
    assert len(events) == 1 and events[0]["eventType"] == "AwsServiceEvent"

    kms.disable_key_rotation(KeyId=key)
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    own_server.set_clock(400 * 86400)
    assert own_server.sweep()["rotatedKeys"] == 0


def test_rotation_refusals(server, kms):
    external = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    byok(kms, external, os.urandom(32))
    with pytest.raises(ClientError) as e:
        kms.enable_key_rotation(KeyId=external)
    assert code(e) == "UnsupportedOperationException"
    with pytest.raises(ClientError) as e:
        kms.rotate_key_on_demand(KeyId=external)  # nothing imported with NEW_KEY_MATERIAL yet
    assert code(e) == "KMSInvalidStateException"
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    with pytest.raises(ClientError) as e:
        kms.rotate_key_on_demand(KeyId=disabled)
    assert code(e) == "DisabledException"
    with pytest.raises(ClientError) as e:
        make_client(server, validate=False).enable_key_rotation(KeyId=disabled, RotationPeriodInDays=89)
    assert code(e) == "ValidationException"


def test_on_demand_rotation_limit(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    for _ in range(25):
        kms.rotate_key_on_demand(KeyId=key)
    with pytest.raises(ClientError) as e:
        kms.rotate_key_on_demand(KeyId=key)
    assert code(e) == "LimitExceededException"
    pages, marker = [], None
    while True:
        page = kms.list_key_rotations(KeyId=key, Limit=10, **({"Marker": marker} if marker else {}))
        pages.append(len(page["Rotations"]))
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert pages == [10, 10, 5]


def test_imported_material_rotation(own_server):
    """NEW_KEY_MATERIAL imports wait as PENDING_ROTATION; RotateKeyOnDemand makes them current."""
    import datetime
    kms = make_client(own_server)
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    first, second = os.urandom(32), os.urandom(32)
    first_id = byok(kms, key, first, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE", KeyMaterialDescription="first")["KeyMaterialId"]
    old = kms.encrypt(KeyId=key, Plaintext=b"under the first material")["CiphertextBlob"]
    valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10)
    second_id = byok(kms, key, second, ImportType="NEW_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_EXPIRES",
                     ValidTo=valid_to, KeyMaterialDescription="second")["KeyMaterialId"]
    assert second_id != first_id
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["CurrentKeyMaterialId"] == first_id and meta["KeyState"] == "Enabled"
    states = {r["KeyMaterialId"]: r for r in kms.list_key_rotations(KeyId=key, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]}
    assert states[first_id]["KeyMaterialState"] == "CURRENT" and states[second_id]["KeyMaterialState"] == "PENDING_ROTATION"
    assert states[second_id]["ImportState"] == "IMPORTED" and states[second_id]["KeyMaterialDescription"] == "second"
    with pytest.raises(ClientError) as e:
        byok(kms, key, os.urandom(32), ImportType="NEW_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert code(e) == "KMSInvalidStateException"   # one pending material at a time

    kms.rotate_key_on_demand(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["CurrentKeyMaterialId"] == second_id
    new = kms.encrypt(KeyId=key, Plaintext=b"under the second material")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=old)["KeyMaterialId"] == first_id
    assert kms.decrypt(CiphertextBlob=new)["KeyMaterialId"] == second_id
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert [(r["KeyMaterialId"], r["RotationType"], r["KeyMaterialState"]) for r in rotations] == [(second_id, "ON_DEMAND", "CURRENT")]
    # Deleting the old, non-current material leaves the key enabled; only its ciphertexts stop.
    kms.delete_imported_key_material(KeyId=key, KeyMaterialId=first_id)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=old)
    assert code(e) == "KMSInvalidStateException"
    byok(kms, key, first, ImportType="EXISTING_KEY_MATERIAL", KeyMaterialId=first_id, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"under the first material"
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["CurrentKeyMaterialId"] == second_id
    # When the current (second) material expires, the key waits for it again.
    own_server.set_clock(11 * 86400)
    own_server.sweep()
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingImport"

