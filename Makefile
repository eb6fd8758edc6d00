# Trent — build and test entry points. `make test` is what CI runs (.ci/run).
SWIFT ?= swift
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: all build test swift-test interop venv generate clean

all: build

# One build of everything, tests included, shared by the Swift tests and the interop suite.
build:
	$(SWIFT) build --build-tests

## Runs every test: Swift unit and integration tests, then the interop suite against a live server.
test: swift-test interop

swift-test: build
	$(SWIFT) test --skip-build

## The pytest suite drives a real `trent serve` with the aws CLI, boto3 and openssl.
interop: build venv
	TRENT_BIN=$(CURDIR)/.build/debug/trent $(PYTHON) -m pytest -q interop

$(PYTHON): interop/requirements.txt
	python3 -m venv --system-site-packages $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r interop/requirements.txt
	touch $(PYTHON)

venv: $(PYTHON)

## Regenerates Sources/TrentModel/Generated from botocore's KMS model.
generate:
	python3 scripts/generate-model.py

clean:
	rm -rf .build $(VENV)
