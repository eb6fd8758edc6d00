"""What only the shared PostgreSQL store does (these run when the suite runs on PostgreSQL,
TRENT_INTEROP_STORE=postgres; the rest of the suite runs there too)."""
import json
import subprocess

import pytest

from conftest import ON_POSTGRES, TRENT_BIN

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL store only")


def test_rotation_is_refused_on_a_shared_store(own_server):
    """Each node holds its own copy of the root key: a new version would reach one node only."""
    p = subprocess.run([TRENT_BIN, "root-key", "rotate", "--data-dir", own_server.data_dir, "--timeout", "60"],
                       capture_output=True, text=True, timeout=90)
    assert p.returncode == 1, p.stdout + p.stderr
    status = json.loads(p.stdout)
    assert status["state"] == "failed" and "shared PostgreSQL store" in status["error"]


def test_the_banner_names_the_store_without_its_password(own_server):
    log = own_server.read_log()
    assert "store: PostgreSQL at postgres://" in log
