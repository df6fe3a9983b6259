# jkn-daerah — the two commands a newcomer needs:
#   make run    bring up Kafka, Postgres, the BPJS simulator and the four services; run the demo
#   make test   everything CI runs (lint, unit, contracts, integration, end-to-end)
# Everything installs itself from the project's own files (uv.lock, deploy/kafka/pom.xml, apt).

SHELL := /bin/bash
UV ?= uv
PYTEST := $(UV) run --frozen pytest

include Makefile.infra

.PHONY: help bootstrap sync test test-unit test-integration test-e2e run stop bench bench-scaleout bench-latency profile test-faults lint format typecheck contracts bpjs-sim

help:
	@grep -E '^## ' Makefile Makefile.infra | sed 's/^[^:]*:## /  /'

## bootstrap: install uv (the Python package manager) if this machine lacks it
bootstrap:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet 'uv>=0.5,<1'

## sync: create .venv with the locked dependencies of every workspace member
# Compiled ahead, dependencies and our own sources alike: where PYTHONDONTWRITEBYTECODE is
# set (CI, the image) nothing is cached at run time, and every process start would compile
# all it imports again (3 s instead of 1.5 s a service, longer on a busy machine: the time
# a killed service needs to consume again).
sync: bootstrap
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(UV) run --frozen python -m compileall -q -j 0 contracts/src libs/*/src services/*/src simulators/*/src tools/*/src >/dev/null

## test: lint and type-check, unit tests, then tests against the real Kafka and Postgres, then end to end
test: sync lint typecheck up browser
	@$(UV) run --frozen python -m jkn_devstack prune-topics
	$(PYTEST) tests -q -p no:cacheprovider

test-unit: sync
	$(PYTEST) tests/unit -q

test-integration: sync up
	$(PYTEST) tests/integration -q

test-e2e: sync up browser
	$(PYTEST) tests/e2e -q

## run: everything up, the synthetic city loaded, a batch of residents proposed and followed
run: sync up
	@$(UV) run --frozen python -m jkn_demo run

## stop: stop the services started by `make run` (Kafka and Postgres: `make down`)
stop: sync
	@$(UV) run --frozen python -m jkn_demo stop

## bench: throughput and latency of the whole journey vs. raw aiokafka, in one run (two replicas per service: `make bench-scaleout`)
bench: sync up
	@$(UV) run --frozen python -m jkn_demo bench
	@$(UV) run --frozen python -m jkn_devstack prune-topics

## bench-scaleout: the journey (RESIDENTS, default 300) with one, then two replicas of each service: throughput, CPU, partitions per replica, relay holder, lost/dup/divergences
bench-scaleout: sync up
	@$(UV) run --frozen python -m jkn_demo scaleout --residents $(or $(RESIDENTS),300)

## bench-latency: BPJS answering in 250 ms: calls/s at the simulator vs the BPJS_MAX_IN_FLIGHT/latency ceiling, rows 2, 8 and 8 at 10 calls/s (RESIDENTS per row, default 150)
bench-latency: sync up
	@$(UV) run --frozen python -m jkn_demo bench-latency --residents $(or $(RESIDENTS),150)

## profile: where the time goes: the journey (RESIDENTS, default 2000) under py-spy, CPU ms per resident per service
profile: sync up
	@$(UV) run --frozen python -m jkn_demo profile --residents $(or $(RESIDENTS),2000)

## test-faults: the journey under faults (service/simulator/broker/Postgres kills, paused consumers, BPJS faults), RESIDENTS per scenario (default 10000): lost, duplicated, divergences, recovery
test-faults: sync up
	@$(UV) run --frozen python -m jkn_demo faults --residents $(or $(RESIDENTS),10000)

## bpjs-sim: the BPJS bridging simulator alone, in the foreground (BPJS_SIM_PORT, default 8089)
bpjs-sim: sync
	@$(UV) run --frozen python -m bpjs_sim

## contracts: regenerate JSON Schemas and the AsyncAPI document from the pydantic models
contracts: sync
	@$(UV) run --frozen python -m jkn_contracts._generate

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: sync
	$(UV) run --frozen ruff format .

## typecheck: mypy --strict over the contracts, the libraries and the services
typecheck: sync
	$(UV) run --frozen mypy contracts/src libs/jkn-bus/src libs/bpjs-bridging/src \
		services/audit/src services/bpjs-gateway/src services/enrollment/src \
		services/notifications/src services/verification/src services/residents-web/src
