# LatentSynth: the two commands.
#   make demo   set up, build, run the main job, print where its results are
#   make test   set up, build, run every test; ends with "N passed, N failed"
SHELL := /bin/bash
.DEFAULT_GOAL := help
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: help setup build test demo bench goldens clean

help:
	@echo "make demo    run the main job and print where its results are"
	@echo "make test    run every test (ends with 'N passed, N failed')"
	@echo "make bench   run the side-by-side benchmarks against PyTorch"
	@echo "make goldens regenerate the PyTorch goldens (needs python3-torch)"

setup:
	@scripts/setup.sh

build: setup
	@dotnet build LatentSynth.slnx -c Release --nologo -v q -clp:ErrorsOnly -clp:NoSummary

test: build
	@scripts/setup.sh chromium  # the report's real-browser test (headless, Debian's package)
	@scripts/test-summary.sh -c Release

demo: build
	@scripts/demo.sh

bench: setup
	@scripts/setup.sh python3-torch
	@dotnet build benchmarks/LatentSynth.Benchmarks -c Release --nologo -v q -clp:ErrorsOnly -clp:NoSummary
	@benchmarks/run.sh

goldens:
	@scripts/setup.sh python3-torch
	@cd tests/goldens && /usr/bin/python3 make_goldens.py

clean:
	@rm -rf native/build src/*/bin src/*/obj tests/*/bin tests/*/obj benchmarks/*/bin benchmarks/*/obj
