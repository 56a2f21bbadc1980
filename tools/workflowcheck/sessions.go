package workflowcheck

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
)

// sessionsFile holds the session limits of the CI roles and jobs (package iam). It is parsed, not
// imported: importing iam would link pulumi-aws into this tool.
const sessionsFile = "iam/sessions.go"

// Sessions are the limits of iam/sessions.go the workflows must agree with.
type Sessions struct {
	CISessionSeconds  int // the CI roles' maxSessionDuration, and the session of a job that changes a stack
	JobTimeoutMinutes int // the timeout-minutes of a job that changes a stack
}

// loadSessions evaluates the constants CISessionSeconds and JobTimeoutMinutes of root's iam/sessions.go
// (constant expressions such as 3 * 60 * 60 included; the file must type-check on its own).
func loadSessions(root string) (Sessions, error) {
	path := filepath.Join(root, sessionsFile)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return Sessions{}, fmt.Errorf("session limits: %w", err)
	}
	pkg, err := (&types.Config{}).Check("iam", fset, []*ast.File{f}, nil)
	if err != nil {
		return Sessions{}, fmt.Errorf("session limits %s: %w", sessionsFile, err)
	}
	value := func(name string) (int, error) {
		c, ok := pkg.Scope().Lookup(name).(*types.Const)
		if !ok {
			return 0, fmt.Errorf("session limits: %s declares no constant %s", sessionsFile, name)
		}
		n, exact := constant.Int64Val(constant.ToInt(c.Val()))
		if !exact || n <= 0 {
			return 0, fmt.Errorf("session limits: %s.%s = %s is not a positive integer", sessionsFile, name, c.Val())
		}
		return int(n), nil
	}
	var s Sessions
	if s.CISessionSeconds, err = value("CISessionSeconds"); err != nil {
		return Sessions{}, err
	}
	if s.JobTimeoutMinutes, err = value("JobTimeoutMinutes"); err != nil {
		return Sessions{}, err
	}
	return s, nil
}
