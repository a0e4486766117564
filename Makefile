# Day-to-day commands. Every target calls `python -m components.cli` or scripts/, after `. scripts/env.sh`
# (the venv and the Pulumi toolchain on PATH, a local state backend unless PULUMI_BACKEND_URL is set).
#   make up STACK=dev            make preview STACK=dev [POLICY_PACK=policies]
#   make destroy STACK=dev [DELETE_DATA=1] [YES=1]
#   make plan STACK=dev          make compliance STACK=dev [FORMAT=json]
#   make doctor                  make test (all tiers)   make test-fast (no e2e)   make lint
SHELL := /bin/bash
CLI := . scripts/env.sh && python3 -m components.cli
STACK ?=
FORMAT ?= markdown
POLICY_PACK ?=
POLICY_PACK_CONFIG ?= policies/config.example.json
need_stack = $(if $(STACK),,$(error set STACK, e.g. `make $@ STACK=dev`))
policy = $(if $(POLICY_PACK),--policy-pack $(POLICY_PACK) --policy-pack-config $(POLICY_PACK_CONFIG))

.PHONY: help up preview destroy plan compliance doctor test test-fast lint

help:
	@sed -n 's/^#   /  /p' Makefile

up:
	$(need_stack)$(CLI) up $(STACK) $(policy)

preview:
	$(need_stack)$(CLI) preview $(STACK) $(policy)

destroy:
	$(need_stack)$(CLI) destroy $(STACK) $(if $(DELETE_DATA),--delete-data) $(if $(YES),--yes)

plan:
	$(need_stack)$(CLI) plan $(STACK)

compliance:
	$(need_stack)$(CLI) compliance $(STACK) --format $(FORMAT)

doctor:
	$(CLI) doctor

test:
	. scripts/env.sh && scripts/test.sh

test-fast:
	scripts/test.sh --fast

lint:
	. scripts/env.sh && ruff check . && mypy
