# Every target the README uses. A bare `make` prints this list: nothing deploys by accident.
# STACK is the application stack (dev, prod, or any stack with 8byte:profile); BOOTSTRAP_STACK the
# account's bootstrap stack (bootstrap/Pulumi.<stack>.yaml).
STACK ?= dev
BOOTSTRAP_STACK ?= shared

.DEFAULT_GOAL := help
.PHONY: help test bench-tests preview deploy bootstrap-preview bootstrap report goldens

## help: list the targets (the default)
help:
	@awk '/^## /{sub(/^## /, ""); n = index($$0, ": "); t = substr($$0, 1, n - 1); if (n > 0 && t !~ / /) printf "  make %-18s %s\n", t, substr($$0, n + 2); else printf "  %-23s %s\n", "", $$0}' $(MAKEFILE_LIST)
	@echo "  variables: STACK=$(STACK) BOOTSTRAP_STACK=$(BOOTSTRAP_STACK); scripts/deploy.sh -h for the environment it reads"

# TESTFLAGS: go vet runs on its own in .ci/run, so the tests skip go test's vet pass; -ldflags=-w links the
# test binaries that hold the Pulumi SDK (40-140 MB each) without DWARF. Linking is most of a warm run's
# CPU (root package: 5 s link, 2-3 s tests); -w cuts it further. README, "Tests", says which packages link
# the SDK and why the others must not.
TESTFLAGS ?= -vet=off -ldflags=-w

## test: every unit test under Pulumi mocks, both projects (no cloud, no credentials)
test:
	go test $(TESTFLAGS) ./...
	cd bootstrap && go test $(TESTFLAGS) ./...

## bench-tests: print the warm time (wall and CPU) of the test suite and its number of tests
bench-tests:
	TESTFLAGS="$(TESTFLAGS)" ./scripts/bench-tests.sh

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

## goldens: regenerate the reviewed documents the tests compare (docs/report/, README sections, docs/controls.md,
## testdata/policies/); review the diff before committing
goldens:
	go test . -run 'TestPlanReports|TestREADMEDiagramAndCost|TestControlMatrixDocument|TestSecurityDocumentsAreTheReviewedGoldens' -update
