# The two commands of the README. STACK is dev or prod.
STACK ?= dev

.PHONY: deploy test preview

## deploy: deploy STACK on the local backend (creates the stack on first use)
deploy:
	./scripts/deploy.sh $(STACK)

## preview: show what deploy would change, without changing anything
preview:
	./scripts/deploy.sh $(STACK) --preview

## test: every unit test of the program under Pulumi mocks (no cloud, no credentials)
test:
	go test ./...
