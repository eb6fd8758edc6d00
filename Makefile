# Trent — build and test entry points. `make test` is what CI runs (.ci/run).
SWIFT ?= swift
VENV ?= .venv
LOCALSTACK_VENV ?= .venv-localstack
PYTHON := $(VENV)/bin/python

.PHONY: all build release test swift-test interop interop-postgres venv generate clean bench microbench

# Release builds link the Swift runtime and Foundation into the binary (`--static-swift-stdlib`):
# measured with paired runs, 14–24 % less server CPU per call than the same code on the shared
# libraries (README, "Performance"). Every release build here uses the same flag, so they share
# one `.build/release` instead of rebuilding it when the flag changes.
RELEASE := $(SWIFT) build -c release --static-swift-stdlib

# A PostgreSQL for the tests: TRENT_TEST_POSTGRES_URL if set, else a throwaway server on loopback
# started by scripts/start-test-postgres.sh (Debian's `postgresql`; .ci/run installs it). Without
# one, the PostgreSQL tests are skipped with a warning.
POSTGRES_URL = $(or $(TRENT_TEST_POSTGRES_URL),$(shell scripts/start-test-postgres.sh 2>/dev/null | sed -n 's/^export TRENT_TEST_POSTGRES_URL=//p'))

all: build

## The server for production and for measuring: .build/release/trent.
release:
	$(RELEASE) --product trent

# One build of everything, tests included, shared by the Swift tests and the interop suite.
build:
	$(SWIFT) build --build-tests

## Runs every test: Swift unit and integration tests, then the interop suite against a live server
## on SQLite, then again on PostgreSQL (several nodes included).
test: swift-test interop interop-postgres

swift-test: build
	@url="$(POSTGRES_URL)"; [ -n "$$url" ] || echo "WARNING: no PostgreSQL (install Debian's postgresql): the store contract runs on SQLite only"; \
	TRENT_TEST_POSTGRES_URL="$$url" $(SWIFT) test --skip-build

## The pytest suite drives a real `trent serve` with the aws CLI, boto3 and openssl.
interop: build venv
	TRENT_BIN=$(CURDIR)/.build/debug/trent $(PYTHON) -m pytest -q interop

## The same suite with every server on PostgreSQL (each in a schema of its own).
interop-postgres: build venv
	@url="$(POSTGRES_URL)"; if [ -z "$$url" ]; then echo "WARNING: no PostgreSQL (install Debian's postgresql): interop on PostgreSQL skipped"; exit 0; fi; \
	TRENT_INTEROP_STORE=postgres TRENT_TEST_POSTGRES_URL="$$url" TRENT_BIN=$(CURDIR)/.build/debug/trent $(PYTHON) -m pytest -q interop

$(PYTHON): interop/requirements.txt
	python3 -m venv --system-site-packages $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r interop/requirements.txt
	touch $(PYTHON)

venv: $(PYTHON)

## Throughput side by side with moto's server (installed into the venv from PyPI), LocalStack where
## it is installed, and a bare Hummingbird endpoint; BYOK cycle rate; memory. Needs ../shared/bench
## (BENCH_HARNESS) and wrk. BENCH_ARGS passes options, e.g. BENCH_ARGS="--rounds 1".
bench: venv
	$(RELEASE) --product trent
	$(RELEASE) --product trent-yardstick
	@$(VENV)/bin/moto_server --help >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "moto[server]" || echo "WARNING: moto[server] not installed: compared without moto"
	@$(LOCALSTACK_VENV)/bin/python -c "import localstack.aws.components" >/dev/null 2>&1 || scripts/install-localstack.sh $(LOCALSTACK_VENV) || echo "WARNING: LocalStack not installed: compared without LocalStack"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" LOCALSTACK_PYTHON="$(CURDIR)/$(LOCALSTACK_VENV)/bin/python" $(PYTHON) scripts/bench.py $(BENCH_ARGS)

## Pieces of a call's CPU measured alone, in-process (SigV4, audit records, the SQLite audit store,
## KeyService.decrypt): steadier than `make bench` on a shared machine. MICROBENCH_ARGS names pieces.
microbench:
	$(RELEASE) --product trent-microbench
	.build/release/trent-microbench $(MICROBENCH_ARGS)

## Regenerates Sources/TrentModel/Generated from botocore's KMS model.
generate:
	python3 scripts/generate-model.py

clean:
	rm -rf .build $(VENV)
