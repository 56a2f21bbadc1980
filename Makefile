# The two commands of the README. STACK is dev or prod.
STACK ?= dev

.PHONY: deploy test preview report goldens

## deploy: deploy STACK on the local backend (creates the stack on first use)
deploy:
	./scripts/deploy.sh $(STACK)

## preview: show what deploy would change, without changing anything
preview:
	./scripts/deploy.sh $(STACK) --preview

## test: every unit test of the program under Pulumi mocks (no cloud, no credentials)
test:
	go test ./...

## report: the plan report of STACK (resources, controls, cost, diagram) as Markdown, under the mock cloud;
## with BASE=<git ref>, what the working tree changes against that commit
report:
	go run ./cmd/report -stack $(STACK) $(if $(BASE),-base $(BASE))

## goldens: regenerate the reviewed documents the tests compare (docs/report/, README sections, docs/controls.md)
goldens:
	go test . -run 'TestPlanReports|TestREADMEDiagramAndCost|TestControlMatrixDocument' -update
