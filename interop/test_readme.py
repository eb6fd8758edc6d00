"""README's operation and key-spec table is generated from the code and must be current."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_status_table_is_current():
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "status-table.py"), "--check"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
