package main

import (
	"slices"
	"strings"

	"github.com/8byte/infra/compute"
	"github.com/8byte/infra/settings"
)

// DocumentationAccountID is AWS's documentation account (the account of its examples), the account of the
// mock cloud and of the offline engine. The committed stack files hold stand-ins that belong to it (a
// certificate, the registry, the OIDC provider) or mean nothing anywhere (the example repository, an
// alarm address in a reserved domain, an image tag no image has). They let the unit tests and the offline
// engine run the stacks exactly as committed; in any other account, that is for every real deployment,
// checkStandIns refuses each one before anything is created.
const DocumentationAccountID = "123456789012"

// ExampleRepository is the GitHub repository of the committed stack files: a user's workflows run in
// their own repository, and the roles must trust that one.
const ExampleRepository = "8byte/infra"

// reservedDomains are the names RFC 2606 and RFC 6761 reserve for documentation and testing: no mail to
// them is ever delivered, so an alarm subscription to one never confirms.
var reservedDomains = []string{"example", "invalid", "localhost", "test", "example.com", "example.net", "example.org"}

// checkStandIns runs every check that needs the account as well as the config: the stand-ins of the
// committed stack files and the values that must belong to the stack's own account and region. main runs
// it right after the account lookup, before the first component, so a refused value creates nothing.
func checkStandIns(cfg *StackConfig, account settings.Account) error {
	if err := cfg.Compute.CheckAccount(account); err != nil {
		return err
	}
	if arn := cfg.GitHub.OidcProviderArn; arn != "" && !strings.HasPrefix(arn, account.GlobalARN("iam", "oidc-provider/")) {
		return settings.Invalid("github.oidcProviderArn", arn,
			"must be the OIDC provider of account %s: set the output oidcProviderArn of this account's bootstrap stack (README: from zero)", account.ID)
	}
	if account.ID == DocumentationAccountID {
		return nil // the tests' and the offline engine's account: the committed stand-ins are expected here
	}
	if cfg.Compute.ImageTag == compute.StandInImageTag {
		return settings.Invalid("compute.imageTag", cfg.Compute.ImageTag,
			"is the stand-in of the committed stack files; no image has it: push the first image (README: the first image) and set its tag (CI sets the tree hash of app/)")
	}
	if cfg.GitHub.Repository == ExampleRepository {
		return settings.Invalid("github.repository", cfg.GitHub.Repository,
			"is the example repository of the committed stack files: set the owner/repo whose workflows deploy this stack (or github.enabled false)")
	}
	for _, email := range cfg.Observability.AlarmEmails {
		if domain, reserved := reservedDomain(email); reserved {
			return settings.Invalid("observability.alarmEmails", cfg.Observability.AlarmEmails,
				"%q is in %s, a domain reserved for examples (RFC 2606, RFC 6761) that never receives mail: set the addresses that are woken up", email, domain)
		}
	}
	return nil
}

// reservedDomain returns the reserved domain email's domain is (or is under), if any.
func reservedDomain(email string) (string, bool) {
	at := strings.LastIndex(email, "@")
	domain := strings.TrimSuffix(strings.ToLower(email[at+1:]), ".")
	i := slices.IndexFunc(reservedDomains, func(r string) bool { return domain == r || strings.HasSuffix(domain, "."+r) })
	if i < 0 {
		return "", false
	}
	return reservedDomains[i], true
}
