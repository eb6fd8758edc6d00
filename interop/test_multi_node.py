"""Three `trent serve` nodes on one PostgreSQL, as behind a load balancer: concurrent BYOK cycles,
encrypts, decrypts, material deletions and re-imports of the same keys spread over all three, one
node killed with SIGKILL mid-run; then every acknowledged ciphertext decrypts on every node, every
key is in one valid state everywhere, and every acknowledged call has exactly one audit record
(in the store and, once delivered, in exactly one log file)."""
import gzip
import json
import os
import random
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from byok import wrap
from conftest import ON_POSTGRES, TRENT_BIN, TrentServer, make_client, postgres_store

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="several nodes need the PostgreSQL store")

# What a client may be told while others change the same keys at the same time.
EXPECTED_ERRORS = {
    "KMSInvalidStateException",  # material deleted meanwhile (PendingImport), or present when importing
    "InvalidImportTokenException",  # the token's material was imported or deleted by another client first
    "IncorrectKeyMaterialException",
}
NETWORK_ERRORS = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, ConnectionError)


class Cluster:
    def __init__(self, workdir, count=3):
        base = os.path.join(workdir, f"cluster-{random.randrange(1 << 30)}")
        self.store = postgres_store(base)
        self.audit_dir = base + "-audit"
        args = ["--store", self.store, "--audit-dir", self.audit_dir, "--audit-roll-seconds", "1"]
        dirs = [f"{base}-node{i + 1}" for i in range(count)]
        first = TrentServer(dirs[0], unsafe_clock=False, pool=2, extra_args=args).start()
        # Every node holds the same root key (and audit signing key): copied, as an operator would.
        for d in dirs[1:]:
            os.makedirs(d, mode=0o700)
            for name in ("root.key", "audit-signing.key"):
                shutil.copy2(os.path.join(dirs[0], name), os.path.join(d, name))
        self.nodes = [first] + [TrentServer(d, unsafe_clock=False, pool=2, extra_args=args).start() for d in dirs[1:]]
        self.local = threading.local()

    def client(self, node):
        clients = getattr(self.local, "clients", None)
        if clients is None:
            clients = self.local.clients = {}
        key = (node.port, id(node))
        if key not in clients:
            clients[key] = make_client(node)
        return clients[key]

    def stop(self):
        for node in self.nodes:
            node.stop()


class Ledger:
    """What clients were told: acknowledged request ids, ciphertexts, and surprises."""

    def __init__(self):
        self.lock = threading.Lock()
        self.request_ids = []
        self.ciphertexts = []
        self.unexpected = []
        self.outcomes = {}  # (operation, "ok" or error code, node port) → count
        self.network_errors = 0

    def count(self, operation, outcome, node):
        with self.lock:
            self.outcomes[(operation, outcome, node.port)] = self.outcomes.get((operation, outcome, node.port), 0) + 1

    def total(self, operation, outcome):
        return sum(n for (o, r, _), n in self.outcomes.items() if o == operation and r == outcome)

    def acknowledged(self, response):
        with self.lock:
            self.request_ids.append(response["ResponseMetadata"]["RequestId"])


def call(cluster, ledger, operation, nodes=None, **kwargs):
    """One call through the 'load balancer': a random live node; a node that is down is skipped.
    Returns the response, or the AWS error code the node answered with."""
    candidates = list(nodes or cluster.nodes)
    random.shuffle(candidates)
    for node in candidates:
        try:
            response = getattr(cluster.client(node), operation)(**kwargs)
            ledger.acknowledged(response)
            ledger.count(operation, "ok", node)
            return response, node
        except ClientError as e:
            ledger.acknowledged(e.response)
            code = e.response["Error"]["Code"]
            ledger.count(operation, code, node)
            if code not in EXPECTED_ERRORS:
                with ledger.lock:
                    ledger.unexpected.append((operation, code, e.response["Error"].get("Message")))
            return code, node
        except NETWORK_ERRORS:
            with ledger.lock:
                ledger.network_errors += 1
            continue  # not acknowledged: the balancer tries another node
    raise AssertionError("no node answered")


def test_three_nodes_share_one_postgresql(workdir):
    cluster = Cluster(workdir)
    ledger = Ledger()
    try:
        keys = {}
        for i in range(4):
            key = call(cluster, ledger, "create_key", Origin="EXTERNAL", Description=f"shared {i}")[0]["KeyMetadata"]["KeyId"]
            keys[key] = os.urandom(32)

        def byok_cycle(key):
            # Parameters from one node, the import through another: tokens are honoured everywhere.
            params, first = call(cluster, ledger, "get_parameters_for_import", KeyId=key,
                                 WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
            if isinstance(params, str):
                return
            others = [n for n in cluster.nodes if n is not first]
            call(cluster, ledger, "import_key_material", nodes=others, KeyId=key, ImportToken=params["ImportToken"],
                 EncryptedKeyMaterial=wrap(keys[key], params["PublicKey"], "RSAES_OAEP_SHA_256"),
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")

        for key in keys:
            byok_cycle(key)

        def work(n):
            key = random.choice(list(keys))
            roll = random.random()
            if roll < 0.40:
                plaintext = os.urandom(48)
                answer = call(cluster, ledger, "encrypt", KeyId=key, Plaintext=plaintext)[0]
                if not isinstance(answer, str):
                    with ledger.lock:
                        ledger.ciphertexts.append((answer["CiphertextBlob"], plaintext, key))
            elif roll < 0.62:
                with ledger.lock:
                    known = random.choice(ledger.ciphertexts) if ledger.ciphertexts else None
                if known:
                    answer = call(cluster, ledger, "decrypt", CiphertextBlob=known[0])[0]
                    if not isinstance(answer, str):
                        assert answer["Plaintext"] == known[1]
            elif roll < 0.80:
                byok_cycle(key)
            elif roll < 0.90:
                call(cluster, ledger, "delete_imported_key_material", KeyId=key)
            else:
                answer = call(cluster, ledger, "describe_key", KeyId=key)[0]
                assert answer["KeyMetadata"]["KeyState"] in ("Enabled", "PendingImport")

        total = 360
        with ThreadPoolExecutor(max_workers=12) as pool:
            futures = [pool.submit(work, n) for n in range(total // 2)]
            time.sleep(0.5)
            cluster.nodes[2].stop(kill=True)  # SIGKILL mid-run: the other two carry on
            futures += [pool.submit(work, n) for n in range(total // 2, total)]
            for f in futures:
                f.result()
        assert ledger.unexpected == []
        # The run did what it claims: material deleted and imported again, over every node.
        assert ledger.total("delete_imported_key_material", "ok") >= 3
        assert ledger.total("import_key_material", "ok") >= 8
        assert {port for (o, r, port) in ledger.outcomes if r == "ok"} >= {n.port for n in cluster.nodes}
        assert ledger.network_errors > 0, "nobody noticed the killed node"
        print("outcomes:", {k: v for k, v in sorted(ledger.outcomes.items())}, "network errors:", ledger.network_errors)
        survivors = cluster.nodes[:2]

        # Bring every key back (the same material each time), then check the invariants.
        for key in keys:
            state = call(cluster, ledger, "describe_key", nodes=survivors, KeyId=key)[0]["KeyMetadata"]["KeyState"]
            if state == "PendingImport":
                byok_cycle(key)
        cluster.nodes[2].start()  # the killed node comes back and serves the same state
        for node in cluster.nodes:
            client = make_client(node)
            for key in keys:
                assert client.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
            for blob, plaintext, key in ledger.ciphertexts:
                answer = client.decrypt(CiphertextBlob=blob)
                assert answer["Plaintext"] == plaintext and answer["KeyId"].endswith(key)
        assert len(ledger.ciphertexts) > 50

        # Exactly one audit record per acknowledged call (errors included), in the shared store.
        records = subprocess.run([TRENT_BIN, "audit", "lookup", "--data-dir", cluster.nodes[0].data_dir, "--store", cluster.store,
                                  "--output", "jsonl", "--max-results", "100000"], check=True, capture_output=True, text=True, timeout=120)
        stored = [json.loads(line)["requestID"] for line in records.stdout.splitlines() if line.strip()]
        counts = {}
        for request_id in stored:
            counts[request_id] = counts.get(request_id, 0) + 1
        acknowledged = ledger.request_ids[:]  # the checks below made more calls, each recorded too
        assert all(counts.get(r) == 1 for r in acknowledged), [r for r in acknowledged if counts.get(r) != 1][:5]

        # Delivered into log files by one node at a time: each record in exactly one file. (If the
        # killed node held the delivery lease, another takes over when it expires, in 30 s.)
        deadline = time.time() + 90
        while True:
            delivered = []
            for root, _, files in os.walk(cluster.audit_dir):
                for name in files:
                    if name.endswith(".json.gz") and "/CloudTrail/" in os.path.join(root, name):
                        with gzip.open(os.path.join(root, name)) as f:
                            delivered += [r["requestID"] for r in json.load(f)["Records"]]
            if set(stored) <= set(delivered) or time.time() > deadline:
                break
            time.sleep(1)
        assert len(delivered) == len(set(delivered)), "a record was delivered twice"
        assert set(stored) <= set(delivered), f"{len(set(stored) - set(delivered))} records never delivered"
        p = subprocess.run([TRENT_BIN, "audit", "validate", "--audit-dir", cluster.audit_dir], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
    finally:
        cluster.stop()


def test_nodes_racing_on_one_key_end_in_one_valid_state(workdir):
    """Three nodes at once: the same alias created everywhere (one wins), deletion scheduled and
    cancelled, rotation switched on and off and run on demand — every acknowledged rotation is
    there exactly once, and every node sees the same state."""
    cluster = Cluster(workdir)
    ledger = Ledger()
    try:
        key = call(cluster, ledger, "create_key")[0]["KeyMetadata"]["KeyId"]
        clients = [make_client(n) for n in cluster.nodes]
        # Material that expires in a few seconds: all three nodes sweep, one deletes it, once.
        import datetime
        expiring = clients[0].create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        # (ValidTo is taken after the wrapping key is made: on a loaded machine that can take seconds.)
        params = clients[1].get_parameters_for_import(KeyId=expiring, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
        clients[1].import_key_material(KeyId=expiring, ImportToken=params["ImportToken"],
                                       EncryptedKeyMaterial=wrap(os.urandom(32), params["PublicKey"], "RSAES_OAEP_SHA_256"),
                                       ExpirationModel="KEY_MATERIAL_EXPIRES",
                                       ValidTo=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=3))

        def create_alias(i):
            try:
                clients[i % 3].create_alias(AliasName="alias/contended", TargetKeyId=key)
                return "ok"
            except ClientError as e:
                return e.response["Error"]["Code"]

        with ThreadPoolExecutor(max_workers=9) as pool:
            outcomes = list(pool.map(create_alias, range(9)))
        assert outcomes.count("ok") == 1 and set(outcomes) == {"ok", "AlreadyExistsException"}, outcomes

        def churn(i):
            client = clients[i % 3]
            action = i % 4
            try:
                if action == 0:
                    return ("rotate", client.rotate_key_on_demand(KeyId=key)["KeyId"])
                if action == 1:
                    client.enable_key_rotation(KeyId=key, RotationPeriodInDays=90 + i)
                    return ("enable", 90 + i)
                if action == 2:
                    client.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
                    return ("schedule", None)
                client.cancel_key_deletion(KeyId=key)
                return ("cancel", None)
            except ClientError as e:
                code = e.response["Error"]["Code"]
                assert code in ("KMSInvalidStateException", "DisabledException", "LimitExceededException"), (action, code, e.response["Error"]["Message"])
                return ("refused", code)

        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(churn, range(48)))
        states = {c.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] for c in clients}
        # (CancelKeyDeletion leaves a key Disabled, as in AWS.)
        assert len(states) == 1 and states <= {"Enabled", "Disabled", "PendingDeletion"}, states
        rotations = [r for r in results if r[0] == "rotate"]
        listed = clients[1].list_key_rotations(KeyId=key)["Rotations"]
        assert len([r for r in listed if r["RotationType"] == "ON_DEMAND"]) == len(rotations)
        deadline = time.time() + 20
        while time.time() < deadline and clients[2].describe_key(KeyId=expiring)["KeyMetadata"]["KeyState"] != "PendingImport":
            time.sleep(0.5)
        assert {c.describe_key(KeyId=expiring)["KeyMetadata"]["KeyState"] for c in clients} == {"PendingImport"}
        time.sleep(1)  # every node has swept again meanwhile
        expired = subprocess.run([TRENT_BIN, "audit", "lookup", "--store", cluster.store, "--event-name", "DeleteExpiredKeyMaterial"],
                                 check=True, capture_output=True, text=True)
        assert len([r for r in json.loads(expired.stdout)["Records"] if expiring in json.dumps(r)]) == 1

        def status(client):
            answer = client.get_key_rotation_status(KeyId=key)
            answer.pop("ResponseMetadata")
            return json.dumps(answer, sort_keys=True, default=str)
        assert len({status(c) for c in clients}) == 1
    finally:
        cluster.stop()


def test_a_change_on_one_node_is_seen_at_once_on_the_others(workdir):
    """Every node caches the keys it uses, and a change committed through another node is seen by
    its next call: a key disabled, a policy changed, an alias moved or material deleted on one node
    holds on the next call to another node, which has just used the same key several times (from
    its cache). Grants across nodes: SharedStoreCacheTests."""
    cluster = Cluster(workdir, count=2)
    try:
        a, b = (make_client(n) for n in cluster.nodes)
        first = a.create_key()["KeyMetadata"]["KeyId"]
        second = a.create_key()["KeyMetadata"]["KeyId"]
        a.create_alias(AliasName="alias/moving", TargetKeyId=first)
        for _ in range(3):
            b.encrypt(KeyId=first, Plaintext=b"warm")
            assert b.encrypt(KeyId="alias/moving", Plaintext=b"warm")["KeyId"].endswith(first)
        a.disable_key(KeyId=first)
        with pytest.raises(ClientError) as refused:
            b.encrypt(KeyId=first, Plaintext=b"now")
        assert refused.value.response["Error"]["Code"] == "DisabledException"
        a.update_alias(AliasName="alias/moving", TargetKeyId=second)
        assert b.encrypt(KeyId="alias/moving", Plaintext=b"now")["KeyId"].endswith(second)
        a.enable_key(KeyId=first)
        assert b.encrypt(KeyId=first, Plaintext=b"again")["KeyId"].endswith(first)

        account = a.describe_key(KeyId=first)["KeyMetadata"]["AWSAccountId"]
        # A key policy that denies Encrypt, put on A, holds on B's next call.
        deny = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "no-encrypt", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*"},
        ]})
        a.put_key_policy(KeyId=first, PolicyName="default", Policy=deny)
        with pytest.raises(ClientError) as refused:
            b.encrypt(KeyId=first, Plaintext=b"now")
        assert refused.value.response["Error"]["Code"] == "AccessDeniedException"

        # Imported material deleted on A: B refuses to use the key at once.
        external = a.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        params = a.get_parameters_for_import(KeyId=external, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")
        a.import_key_material(KeyId=external, ImportToken=params["ImportToken"],
                              EncryptedKeyMaterial=wrap(os.urandom(32), params["PublicKey"], "RSAES_OAEP_SHA_256"),
                              ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        for _ in range(3):
            b.encrypt(KeyId=external, Plaintext=b"warm")
        a.delete_imported_key_material(KeyId=external)
        with pytest.raises(ClientError) as refused:
            b.encrypt(KeyId=external, Plaintext=b"now")
        assert refused.value.response["Error"]["Code"] == "KMSInvalidStateException"
    finally:
        cluster.stop()
