"""Fixtures that run a real `trent serve` and talk to it the way users do."""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRENT_BIN = os.environ.get("TRENT_BIN", os.path.join(ROOT, ".build", "debug", "trent"))
REGION = "us-east-1"
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
ADMIN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:*", "cloudtrail:LookupEvents"], "Resource": "*"}]})
# Identities every test server knows (docs/credentials.md describes the format).
IDENTITIES = {
    "admin": {"AWS_ACCESS_KEY_ID": CREDENTIALS["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": CREDENTIALS["AWS_SECRET_ACCESS_KEY"]},
    "root": {"AWS_ACCESS_KEY_ID": "AKIAROOTKEY000000001", "AWS_SECRET_ACCESS_KEY": "root-secret-0000000000000000000000000000"},
    "alice": {"AWS_ACCESS_KEY_ID": "AKIAALICE00000000001", "AWS_SECRET_ACCESS_KEY": "alice-secret-000000000000000000000000000"},
    "deployer": {"AWS_ACCESS_KEY_ID": "ASIADEPLOYER00000001", "AWS_SECRET_ACCESS_KEY": "deployer-secret-000000000000000000000000",
                 "AWS_SESSION_TOKEN": "deployer-session-token-FwoGZXIvYXdzEJr//////////wEaDA=="},
    "expired": {"AWS_ACCESS_KEY_ID": "ASIAEXPIRED000000001", "AWS_SECRET_ACCESS_KEY": "expired-secret-00000000000000000000000000",
                "AWS_SESSION_TOKEN": "expired-session-token"},
    "bob": {"AWS_ACCESS_KEY_ID": "AKIABOB0000000000001", "AWS_SECRET_ACCESS_KEY": "bob-secret-00000000000000000000000000000"},
    "carol": {"AWS_ACCESS_KEY_ID": "AKIACAROL00000000001", "AWS_SECRET_ACCESS_KEY": "carol-secret-0000000000000000000000000000"},
    "other-admin": {"AWS_ACCESS_KEY_ID": "AKIAOTHERADMIN000001", "AWS_SECRET_ACCESS_KEY": "other-admin-secret-000000000000000000000"},
}


def access_key(name, **extra):
    i = IDENTITIES[name]
    key = {"accessKeyId": i["AWS_ACCESS_KEY_ID"], "secretAccessKey": i["AWS_SECRET_ACCESS_KEY"]}
    if "AWS_SESSION_TOKEN" in i:
        key["sessionToken"] = i["AWS_SESSION_TOKEN"]
    key.update(extra)
    return key


CREDENTIALS_FILE = {
    "version": 1,
    "accounts": {
        ACCOUNT: {
            "root": {"accessKeys": [access_key("root")]},
            "users": {
                "admin": {"accessKeys": [access_key("admin")], "policies": [ADMIN_POLICY]},
                "alice": {"accessKeys": [access_key("alice")]},
                # Encrypt and Decrypt only with encryption context app=demo; describe and list anything.
                "bob": {"accessKeys": [access_key("bob")], "policies": [json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["kms:Describe*", "kms:List*"], "Resource": "*"},
                    {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": f"arn:aws:kms:*:{ACCOUNT}:key/*",
                     "Condition": {"StringEquals": {"kms:EncryptionContext:app": "demo"}}}]})]},
                # Everything but Decrypt, and no deletion windows shorter than 30 days.
                "carol": {"accessKeys": [access_key("carol")], "policies": [ADMIN_POLICY, json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"},
                    {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*",
                     "Condition": {"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": 30}}}]})]},
            },
            "roles": {
                "deployer": {"accessKeys": [access_key("deployer", sessionName="ci-run", expiration="2099-01-01T00:00:00Z"),
                                            access_key("expired", sessionName="old", expiration="2020-01-01T00:00:00Z")],
                             "policies": [ADMIN_POLICY]},
            },
        },
        OTHER_ACCOUNT: {"users": {"admin": {"accessKeys": [access_key("other-admin")], "policies": [ADMIN_POLICY]}}},
    },
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_store(data_dir):
    """A PostgreSQL schema of its own for one data directory (the same one when it restarts)."""
    import hashlib
    url = os.environ["TRENT_TEST_POSTGRES_URL"]
    schema = "i_" + hashlib.sha256(os.path.abspath(data_dir).encode()).hexdigest()[:24]
    return url + ("&" if "?" in url else "?") + "schema=" + schema


def store_args(data_dir):
    """`--store` for a tool run against a server's store (empty on SQLite, the default)."""
    return ["--store", postgres_store(data_dir)] if os.environ.get("TRENT_INTEROP_STORE") == "postgres" else []


class TrentServer:
    """One `trent serve` process on a loopback port with its own data directory."""

    def __init__(self, data_dir, clock_offset=0.0, unsafe_clock=True, pool=0, extra_args=(), env=None):
        self.env = env
        self.pool = pool
        self.extra_args = list(extra_args)
        self.data_dir = data_dir
        self.clock_offset = clock_offset
        self.unsafe_clock = unsafe_clock
        self.proc = None
        self.port = None
        self.log_path = data_dir.rstrip("/") + ".log"

    @property
    def tls(self):
        return "--tls-cert" in self.extra_args

    @property
    def ca_bundle(self):
        return self.extra_args[self.extra_args.index("--tls-cert") + 1] if self.tls else None

    @property
    def endpoint(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def credentials_path(self):
        return os.path.join(self.data_dir, "credentials.json")

    def start(self):
        self.port = free_port()
        os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
        if "--dev-accept-any-credentials" not in self.extra_args and not os.path.exists(self.credentials_path):
            fd = os.open(self.credentials_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(CREDENTIALS_FILE, f)
        args = [
            TRENT_BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data_dir,
            "--sweep-interval", "0.2", "--wrapping-key-pool", str(self.pool),
        ]
        if self.unsafe_clock:
            args += ["--unsafe-test-clock-offset", str(self.clock_offset)]
        args += self.extra_args
        if os.environ.get("TRENT_INTEROP_STORE") == "postgres" and "--store" not in self.extra_args:
            args += ["--store", postgres_store(self.data_dir)]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"trent serve exited with {self.proc.returncode}: {self.read_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("trent serve did not start: " + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, kill=False):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, kill=False, clock_offset=None):
        self.stop(kill=kill)
        if clock_offset is not None:
            self.clock_offset = clock_offset
        return self.start()

    def set_clock(self, offset_seconds):
        """Moves the server's clock (only possible with the unsafe test flag)."""
        self.clock_offset = offset_seconds
        self._post("/_trent/unsafe/clock", {"offsetSeconds": float(offset_seconds)})

    def sweep(self):
        return json.loads(self._post("/_trent/unsafe/sweep", {}))

    def roll_audit(self):
        return json.loads(self._post("/_trent/unsafe/roll-audit", {}))

    def audit_validate(self, *args):
        p = subprocess.run([TRENT_BIN, "audit", "validate", "--data-dir", self.data_dir, *args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout

    def _post(self, path, body):
        req = urllib.request.Request(self.endpoint + path, data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def audit_lookup(self, *args):
        out = subprocess.run([TRENT_BIN, "audit", "lookup", "--data-dir", self.data_dir, *store_args(self.data_dir), *args],
                             check=True, capture_output=True, text=True, timeout=60)
        return json.loads(out.stdout)["Records"]


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="trent-interop-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def server(workdir):
    s = TrentServer(os.path.join(workdir, "shared-data"), pool=2).start()
    yield s
    s.stop()


@pytest.fixture()
def own_server(workdir):
    """A server of its own, for tests that restart, kill or move time."""
    d = tempfile.mkdtemp(prefix="data-", dir=workdir)
    s = TrentServer(d).start()
    yield s
    s.stop()


SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture()
def hsm(tmp_path):
    """A SoftHSM2 with two initialised tokens, `trent` (PIN 1234) and `other` (PIN 4321)."""
    assert os.path.exists(SOFTHSM_MODULE), "SoftHSM2 is needed (Debian package softhsm2; .ci/run installs it)"
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    env = dict(os.environ, SOFTHSM2_CONF=str(conf), TRENT_TEST_PIN="1234", TRENT_OTHER_PIN="4321")
    for label, pin in (("trent", "1234"), ("other", "4321")):
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "99999999"],
                       env=env, check=True, capture_output=True)
    return env


def make_client(server, region=REGION, validate=True, identity="admin", service="kms"):
    i = IDENTITIES[identity]
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name=region,
        aws_access_key_id=i["AWS_ACCESS_KEY_ID"], aws_secret_access_key=i["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=i.get("AWS_SESSION_TOKEN"), verify=getattr(server, "ca_bundle", None),
        config=Config(retries={"max_attempts": 1}, parameter_validation=validate),
    )


@pytest.fixture()
def kms(server):
    return make_client(server)


class AwsCli:
    """Runs the real `aws` CLI against a server."""

    def __init__(self, server, cwd):
        self.server = server
        self.cwd = cwd
        self.env = dict(os.environ, **CREDENTIALS, AWS_DEFAULT_REGION=REGION,
                        AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")

    def run(self, *args, check=True):
        tls = ["--ca-bundle", self.server.ca_bundle] if getattr(self.server, "ca_bundle", None) else []
        p = subprocess.run(["aws", "--endpoint-url", self.server.endpoint, *tls, "--output", "json", *args],
                           cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p

    def json(self, *args):
        out = self.run(*args).stdout
        return json.loads(out) if out.strip() else {}


@pytest.fixture()
def aws(server, tmp_path):
    return AwsCli(server, tmp_path)


def signed_headers(server, data, headers, region=REGION, identity="admin", path="/"):
    """Headers signed with botocore's SigV4 (the SDKs' own signer) over exactly these bytes."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    i = IDENTITIES[identity]
    request = AWSRequest(method="POST", url=server.endpoint + path, data=data, headers=headers)
    SigV4Auth(Credentials(i["AWS_ACCESS_KEY_ID"], i["AWS_SECRET_ACCESS_KEY"], i.get("AWS_SESSION_TOKEN")), "kms", region).add_auth(request)
    return dict(request.headers)


def raw_call(server, target, body, headers=None, region=REGION, sign=True):
    """POSTs bytes as an SDK would, signed, without client-side validation. Returns (status, headers, json).
    Headers given in `headers` are set after signing (to tamper with a signed request)."""
    h = {"Content-Type": "application/x-amz-json-1.1"}
    if target is not None:
        h["X-Amz-Target"] = target
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if sign:
        h = signed_headers(server, data, h, region=region)
    h.update(headers or {})
    req = urllib.request.Request(server.endpoint + "/", data=data, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


def b64(data):
    return base64.b64encode(data).decode()


ON_POSTGRES = os.environ.get("TRENT_INTEROP_STORE") == "postgres"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test needs the embedded SQLite store (skipped on PostgreSQL)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if ON_POSTGRES and marker:
            item.add_marker(pytest.mark.skip(reason="SQLite only: " + (marker.args[0] if marker.args else "")))
