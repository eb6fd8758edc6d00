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
    assert own_server.sweep()["rotatedKeys"] == 1
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
    for call in (lambda: kms.enable_key_rotation(KeyId=external), lambda: kms.rotate_key_on_demand(KeyId=external)):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "UnsupportedOperationException"
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
