# The two commands of the README. STACK is dev or prod.
STACK ?= dev

.PHONY: deploy test preview report goldens bench-tests

## deploy: deploy STACK on the local backend (creates the stack on first use)
deploy:
	./scripts/deploy.sh $(STACK)

## preview: show what deploy would change, without changing anything
preview:
	./scripts/deploy.sh $(STACK) --preview

# TESTFLAGS: go vet runs on its own in .ci/run, so the tests skip go test's vet pass; -ldflags=-w links the
# test binaries (each holding pulumi-aws, 40-130 MB) without DWARF. Linking is most of a warm run's CPU
# (root package: 8 s link, 2 s tests); -w cuts it by about a third.
TESTFLAGS ?= -vet=off -ldflags=-w

## test: every unit test of the program under Pulumi mocks (no cloud, no credentials)
test:
	go test $(TESTFLAGS) ./...

## bench-tests: print the warm time (wall and CPU) of the test suite and its number of tests
bench-tests:
	TESTFLAGS="$(TESTFLAGS)" ./scripts/bench-tests.sh

## report: the plan report of STACK (resources, controls, cost, diagram) as Markdown, under the mock cloud;
## with BASE=<git ref>, what the working tree changes against that commit
report:
	go run ./cmd/report -stack $(STACK) $(if $(BASE),-base $(BASE))

## goldens: regenerate the reviewed documents the tests compare (docs/report/, README sections, docs/controls.md,
## testdata/policies/); review the diff before committing
goldens:
	go test . -run 'TestPlanReports|TestREADMEDiagramAndCost|TestControlMatrixDocument|TestSecurityDocumentsAreTheReviewedGoldens' -update
