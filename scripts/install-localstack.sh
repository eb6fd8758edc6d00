#!/bin/sh
# Installs LocalStack's KMS (localstack-core, run in host mode by scripts/bench.py) into its own
# venv, for `make bench`. It needs Python 3.13 or later; the pins are the versions its March 2026
# release runs with (newer cbor2, pyOpenSSL and cryptography break it). Usage: install-localstack.sh VENV
set -e
venv=${1:-.venv-localstack}
python=""
pyenv_root=$(pyenv root 2>/dev/null || true)
for candidate in python3.14 python3.13 python3 ${pyenv_root:+$pyenv_root/versions/3.1[3-9]*/bin/python3}; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "no Python 3.13 or later here: LocalStack cannot be installed" >&2
    exit 1
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "localstack-core[runtime]==2026.3.0" "cbor2==5.6.5" "pyOpenSSL==24.2.1" "cryptography==43.0.3" \
    "service-identity==24.2.0" "joserfc==1.0.4"
"$venv/bin/python" -c "import localstack.aws.components"
