# Every target the README uses. A bare `make` prints this list: nothing deploys by accident.
# STACK is the application stack (dev, prod, or any stack with 8byte:profile); BOOTSTRAP_STACK the
# account's bootstrap stack (bootstrap/Pulumi.<stack>.yaml).
STACK ?= dev
BOOTSTRAP_STACK ?= shared

.DEFAULT_GOAL := help
.PHONY: help test preview deploy bootstrap-preview bootstrap report goldens

## help: list the targets (the default)
help:
	@awk -F': ' '/^## /{sub(/^## /, ""); split($$0, a, ": "); printf "  make %-18s %s\n", a[1], substr($$0, length(a[1]) + 3)}' $(MAKEFILE_LIST)
	@echo "  variables: STACK=$(STACK) BOOTSTRAP_STACK=$(BOOTSTRAP_STACK); scripts/deploy.sh -h for the environment it reads"

## test: every unit test under Pulumi mocks, both projects (no cloud, no credentials)
test:
	go test ./...
	cd bootstrap && go test ./...

## preview: show what deploying STACK would change (changes nothing, writes nothing into the stack file)
preview:
	./scripts/deploy.sh preview $(STACK)

## deploy: deploy STACK (asks for confirmation after showing the plan)
deploy:
	./scripts/deploy.sh up $(STACK)

## bootstrap-preview: show what the account's bootstrap stack would change
bootstrap-preview:
	./scripts/deploy.sh --project bootstrap preview $(BOOTSTRAP_STACK)

## bootstrap: deploy the account's bootstrap stack (state bucket, secrets keys, OIDC provider, registry)
bootstrap:
	./scripts/deploy.sh --project bootstrap up $(BOOTSTRAP_STACK)

## report: the plan report of STACK (resources, controls, cost, diagram) as Markdown, under the mock cloud;
## with BASE=<git ref>, what the working tree changes against that commit
report:
	go run ./cmd/report -stack $(STACK) $(if $(BASE),-base $(BASE))

## goldens: regenerate the reviewed documents the tests compare (docs/report/, README sections, docs/controls.md)
goldens:
	go test . -run 'TestPlanReports|TestREADMEDiagramAndCost|TestControlMatrixDocument' -update
