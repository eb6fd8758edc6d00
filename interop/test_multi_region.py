"""Multi-Region keys: one mrk- id in several regions, shared material, primary moves."""
import os

import pytest
from botocore.exceptions import ClientError

from byok import byok
from conftest import make_client


def code(e):
    return e.value.response["Error"]["Code"]


def test_replicas_share_material_and_id(server):
    east, west = make_client(server, region="us-east-1"), make_client(server, region="eu-west-1")
    primary = east.create_key(MultiRegion=True, Description="mrk")["KeyMetadata"]
    key_id = primary["KeyId"]
    assert key_id.startswith("mrk-") and len(key_id) == 36 and primary["MultiRegion"] is True
    assert primary["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "PRIMARY", "PrimaryKey": {"Arn": primary["Arn"], "Region": "us-east-1"}, "ReplicaKeys": []}

    replicated = east.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1", Tags=[{"TagKey": "r", "TagValue": "west"}])
    replica = replicated["ReplicaKeyMetadata"]
    assert replica["KeyId"] == key_id and replica["Arn"] == f"arn:aws:kms:eu-west-1:{primary['AWSAccountId']}:key/{key_id}"
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert replicated["ReplicaTags"] == [{"TagKey": "r", "TagValue": "west"}]
    described = east.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert described["ReplicaKeys"] == [{"Arn": replica["Arn"], "Region": "eu-west-1"}]

    # Ciphertext from either region decrypts in the other.
    ct = east.encrypt(KeyId=key_id, Plaintext=b"from east", EncryptionContext={"c": "1"})["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=ct, EncryptionContext={"c": "1"})["Plaintext"] == b"from east"
    back = west.encrypt(KeyId=replica["Arn"], Plaintext=b"from west")["CiphertextBlob"]
    assert east.decrypt(CiphertextBlob=back)["Plaintext"] == b"from west"

    # Rotation is managed on the primary and reaches the replica.
    with pytest.raises(ClientError) as e:
        west.rotate_key_on_demand(KeyId=key_id)
    assert code(e) == "UnsupportedOperationException"
    east.rotate_key_on_demand(KeyId=key_id)
    rotated = east.encrypt(KeyId=key_id, Plaintext=b"after rotation")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=rotated)["Plaintext"] == b"after rotation"
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"] == \
        west.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]

    # Replication rules.
    with pytest.raises(ClientError) as e:
        east.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
    assert code(e) == "AlreadyExistsException"
    with pytest.raises(ClientError) as e:
        west.replicate_key(KeyId=key_id, ReplicaRegion="ap-south-1")
    assert code(e) == "UnsupportedOperationException"
    single = east.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as e:
        east.replicate_key(KeyId=single, ReplicaRegion="eu-west-1")
    assert code(e) == "UnsupportedOperationException"
    # The primary role moves.
    east.update_primary_region(KeyId=key_id, PrimaryRegion="eu-west-1")
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    with pytest.raises(ClientError) as e:
        west.update_primary_region(KeyId=key_id, PrimaryRegion="sa-east-1")
    assert code(e) == "NotFoundException"
    east.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_multi_region_imported_material_must_match(server):
    east, west = make_client(server, region="us-east-1"), make_client(server, region="ap-south-1")
    key_id = east.create_key(MultiRegion=True, Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    byok(east, key_id, material)
    replica = east.replicate_key(KeyId=key_id, ReplicaRegion="ap-south-1")["ReplicaKeyMetadata"]
    assert replica["KeyState"] == "PendingImport"
    with pytest.raises(ClientError) as e:
        byok(west, key_id, os.urandom(32))
    assert code(e) == "IncorrectKeyMaterialException"
    byok(west, key_id, material)
    ct = east.encrypt(KeyId=key_id, Plaintext=b"byok everywhere")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=ct)["Plaintext"] == b"byok everywhere"


def test_mrk_identifiers(kms):
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId="mrk-fake-key-id")
    assert e.value.response["Error"]["Message"] == "Invalid keyId 'mrk-fake-key-id'"
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId="mrk-d3b95762d3b95762d3b95762d3b95762")
    assert code(e) == "NotFoundException" and "does not exist" in e.value.response["Error"]["Message"]


def test_primary_waits_for_its_replicas(own_server):
    east, west = make_client(own_server, region="us-east-1"), make_client(own_server, region="eu-central-1")
    key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    east.replicate_key(KeyId=key_id, ReplicaRegion="eu-central-1")
    scheduled = east.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert scheduled["KeyState"] == "PendingReplicaDeletion" and "DeletionDate" not in scheduled
    meta = east.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingReplicaDeletion" and meta["PendingDeletionWindowInDays"] == 7
    with pytest.raises(ClientError) as e:
        east.encrypt(KeyId=key_id, Plaintext=b"x")
    assert code(e) == "KMSInvalidStateException"
    west.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    own_server.set_clock(7 * 86400 + 60)
    own_server.sweep()   # the replica goes
    own_server.sweep()   # and the primary's own waiting period begins
    assert east.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    own_server.set_clock(14 * 86400 + 120)
    own_server.sweep()
    with pytest.raises(ClientError) as e:
        east.describe_key(KeyId=key_id)
    assert code(e) == "NotFoundException"


def test_key_last_usage_is_per_region(server):
    """The replicas of a multi-Region key share its id, not their last use."""
    east, west = make_client(server, region="us-east-1"), make_client(server, region="eu-west-2")
    key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    east.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-2")
    east.encrypt(KeyId=key_id, Plaintext=b"used in the east only")
    assert east.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Encrypt"
    assert "KeyLastUsage" not in west.get_key_last_usage(KeyId=key_id)
    west.generate_data_key(KeyId=key_id, KeySpec="AES_128")
    assert west.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "GenerateDataKey"
    assert east.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Encrypt"


def material_states(kms, key_id):
    rotations = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    return {r["KeyMaterialId"]: r["KeyMaterialState"] for r in rotations}


def test_rotating_imported_material_of_a_multi_region_set(server):
    """AWS's procedure: NEW_KEY_MATERIAL into the primary, the same material as EXISTING_KEY_MATERIAL
    into every replica, then RotateKeyOnDemand on the primary rotates the whole set."""
    east, west, south = (make_client(server, region=r) for r in ("us-east-1", "eu-north-1", "sa-east-1"))
    key_id = east.create_key(MultiRegion=True, Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    first, second = os.urandom(32), os.urandom(32)
    first_id = byok(east, key_id, first)["KeyMaterialId"]
    for region in ("eu-north-1", "sa-east-1"):
        east.replicate_key(KeyId=key_id, ReplicaRegion=region)
    byok(west, key_id, first)
    byok(south, key_id, first)
    old = east.encrypt(KeyId=key_id, Plaintext=b"before rotation")["CiphertextBlob"]

    # New material goes into the primary only.
    with pytest.raises(ClientError) as e:
        byok(west, key_id, second, ImportType="NEW_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert code(e) == "UnsupportedOperationException"
    second_id = byok(east, key_id, second, ImportType="NEW_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")["KeyMaterialId"]
    assert material_states(east, key_id) == {first_id: "CURRENT", second_id: "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"}

    byok(west, key_id, second, ImportType="EXISTING_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert material_states(west, key_id) == {first_id: "CURRENT", second_id: "PENDING_ROTATION"}
    with pytest.raises(ClientError) as e:  # the southern replica lacks it still
        east.rotate_key_on_demand(KeyId=key_id)
    assert code(e) == "KMSInvalidStateException"
    assert material_states(east, key_id)[second_id] == "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"

    byok(south, key_id, second, ImportType="EXISTING_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert material_states(east, key_id)[second_id] == "PENDING_ROTATION"
    with pytest.raises(ClientError) as e:
        west.rotate_key_on_demand(KeyId=key_id)
    assert code(e) == "UnsupportedOperationException"
    east.rotate_key_on_demand(KeyId=key_id)
    for kms in (east, west, south):
        assert material_states(kms, key_id) == {first_id: "NON_CURRENT", second_id: "CURRENT"}
        assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before rotation"
    new = south.encrypt(KeyId=key_id, Plaintext=b"after rotation")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=new)["Plaintext"] == b"after rotation"
    assert east.decrypt(CiphertextBlob=new)["Plaintext"] == b"after rotation"


def test_deleting_pending_material_of_a_primary_deletes_the_replicas_copies(server):
    east, west = make_client(server, region="us-east-1"), make_client(server, region="ca-central-1")
    key_id = east.create_key(MultiRegion=True, Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    first, second = os.urandom(32), os.urandom(32)
    byok(east, key_id, first)
    east.replicate_key(KeyId=key_id, ReplicaRegion="ca-central-1")
    byok(west, key_id, first)
    second_id = byok(east, key_id, second, ImportType="NEW_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")["KeyMaterialId"]
    byok(west, key_id, second, ImportType="EXISTING_KEY_MATERIAL", ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    east.delete_imported_key_material(KeyId=key_id, KeyMaterialId=second_id)
    imports = {r["KeyMaterialId"]: r["ImportState"] for r in
               west.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]}
    assert imports[second_id] == "PENDING_IMPORT"
    assert west.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"  # its current material stays
    with pytest.raises(ClientError) as e:
        east.rotate_key_on_demand(KeyId=key_id)
    assert code(e) == "KMSInvalidStateException"
