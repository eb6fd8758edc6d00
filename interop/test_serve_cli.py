"""`trent serve` as a user starts it: flags, TRENT_* variables, the start-up banner, --help."""
import json
import os
import re
import signal
import socket
import stat
import subprocess
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import TRENT_BIN, free_port, make_client


class Started:
    def __init__(self, endpoint):
        self.endpoint = endpoint


def start(args, env, log_path):
    log = open(log_path, "wb")
    proc = subprocess.Popen([TRENT_BIN, "serve", *args], stdout=log, stderr=subprocess.STDOUT, env=env)
    return proc


def wait_for_banner(log_path, proc):
    deadline = time.time() + 60
    while time.time() < deadline:
        text = open(log_path, errors="replace").read()
        if "aws --endpoint-url" in text:
            return text
        assert proc.poll() is None, text
        time.sleep(0.1)
    raise AssertionError(open(log_path).read())


def test_environment_variables_and_banner(tmp_path):
    port = free_port()
    data_dir = tmp_path / "env-data"
    env = dict(os.environ, TRENT_HOST="127.0.0.1", TRENT_PORT=str(port), TRENT_DATA_DIR=str(data_dir),
               TRENT_ACCOUNT_ID="123456789012", TRENT_DEFAULT_REGION="eu-west-3")
    proc = start(["--wrapping-key-pool", "0"], env, tmp_path / "log")
    try:
        banner = wait_for_banner(tmp_path / "log", proc)
        assert f"http://127.0.0.1:{port}" in banner
        assert str(data_dir) in banner
        assert f"aws --endpoint-url http://127.0.0.1:{port} kms list-keys" in banner
        assert (data_dir / "trent.sqlite").exists() and (data_dir / "root.key").exists()
        # First start: an administrator key in credentials.json (0600), its exports printed once.
        exports = dict(re.findall(r"export (AWS_\w+)=(\S+)", banner))
        assert set(exports) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
        credentials = data_dir / "credentials.json"
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
        stored = json.loads(credentials.read_text())["accounts"]["123456789012"]["users"]["admin"]["accessKeys"][0]
        assert stored == {"accessKeyId": exports["AWS_ACCESS_KEY_ID"], "secretAccessKey": exports["AWS_SECRET_ACCESS_KEY"]}
        kms = boto3.client("kms", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-3",
                           aws_access_key_id=exports["AWS_ACCESS_KEY_ID"], aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
                           config=Config(retries={"max_attempts": 1}))
        key = kms.create_key()["KeyMetadata"]
        assert key["AWSAccountId"] == "123456789012" and ":eu-west-3:" in key["Arn"]
        # Keys of the test suite's own credentials file mean nothing here.
        with pytest.raises(ClientError) as e:
            make_client(Started(f"http://127.0.0.1:{port}"), region="eu-west-3").list_keys()
        assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    # Second start: the same file, no secret printed.
    proc = start(["--wrapping-key-pool", "0"], env, tmp_path / "log2")
    try:
        banner = wait_for_banner(tmp_path / "log2", proc)
        assert "AWS_SECRET_ACCESS_KEY" not in banner and exports["AWS_SECRET_ACCESS_KEY"] not in banner
        assert str(data_dir / "credentials.json") in banner
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_dev_accept_any_credentials(tmp_path):
    port = free_port()
    proc = start(["--port", str(port), "--data-dir", str(tmp_path / "dev"), "--wrapping-key-pool", "0",
                  "--dev-accept-any-credentials"], dict(os.environ), tmp_path / "log")
    try:
        banner = wait_for_banner(tmp_path / "log", proc)
        assert "SIGNATURES ARE NOT CHECKED" in banner and "NOT CHECKED" in banner
        assert not (tmp_path / "dev" / "credentials.json").exists()
        kms = boto3.client("kms", endpoint_url=f"http://127.0.0.1:{port}", region_name="ap-southeast-2",
                           aws_access_key_id="test", aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
        key = kms.create_key()["KeyMetadata"]
        assert key["AWSAccountId"] == "111122223333" and ":ap-southeast-2:" in key["Arn"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_a_broken_credentials_file_stops_the_start(tmp_path):
    (tmp_path / "creds.json").write_text('{"version": 1, "accounts": {"12": {}}}')
    p = subprocess.run([TRENT_BIN, "serve", "--data-dir", str(tmp_path / "d"), "--credentials", str(tmp_path / "creds.json")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "12 digits" in p.stderr


def test_flags_win_over_environment(tmp_path):
    port = free_port()
    env = dict(os.environ, TRENT_PORT="1", TRENT_DATA_DIR=str(tmp_path / "ignored"))
    proc = start(["--port", str(port), "--data-dir", str(tmp_path / "flag-data"), "--wrapping-key-pool", "0"], env, tmp_path / "log")
    try:
        banner = wait_for_banner(tmp_path / "log", proc)
        assert f":{port}" in banner and str(tmp_path / "flag-data") in banner
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        assert not (tmp_path / "ignored").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_help_documents_the_options():
    out = subprocess.run([TRENT_BIN, "serve", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--host", "--port", "--data-dir", "--account-id", "--default-region", "--sweep-interval",
                   "--wrapping-key-pool", "TRENT_HOST", "TRENT_PORT", "TRENT_DATA_DIR", "--credentials",
                   "--dev-accept-any-credentials", "TRENT_CREDENTIALS"):
        assert option in out
    assert "unsafe" not in out


def test_bad_configuration_is_refused(tmp_path):
    p = subprocess.run([TRENT_BIN, "serve", "--account-id", "12", "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "12 digits" in p.stderr


@pytest.mark.parametrize("value", ["-1", "100001", "RSA_1024=4", "RSA_2048", "RSA_2048=4,"])
def test_a_bad_wrapping_key_pool_is_refused(tmp_path, value):
    p = subprocess.run([TRENT_BIN, "serve", f"--wrapping-key-pool={value}", "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "--wrapping-key-pool takes N or RSA_2048=N" in p.stderr


def test_wrapping_key_pool_sizes_per_spec(tmp_path):
    """A stock of RSA_2048 pairs only (none kept for the other specs): every answer a new pair."""
    port = free_port()
    proc = start(["--port", str(port), "--data-dir", str(tmp_path / "d"),
                  "--wrapping-key-pool", "RSA_2048=6,RSA_3072=0,RSA_4096=0"], dict(os.environ), tmp_path / "log")
    try:
        banner = wait_for_banner(tmp_path / "log", proc)
        exports = dict(re.findall(r"export (AWS_\w+)=(\S+)", banner))
        kms = boto3.client("kms", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
                           aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"])
        key_id = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        keys = {kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                              WrappingKeySpec=spec)["PublicKey"]
                for spec in ["RSA_2048"] * 10 + ["RSA_3072"]}
        assert len(keys) == 11
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_the_server_allocates_through_jemalloc(server):
    """`trent` is linked with jemalloc (Package.swift's `allocator`), whose malloc and free stand in
    for glibc's in the whole process: audit records made on the event loops and freed on the
    threads that store and deliver them no longer wait on the loops' arena locks."""
    maps = open(f"/proc/{server.proc.pid}/maps").read()
    assert "libjemalloc.so" in maps
