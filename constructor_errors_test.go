package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoConstructorErrorIsDropped fails for a call of a New* constructor (a resource's, a component's)
// whose error is thrown away: `_, _ = ec2.NewFlowLog(...)`, `x, _ := NewSecretAccess(...)` or the call as
// a statement. Such a drop cannot be seen under mocks: a refused registration fails the whole run anyway
// (tests.FailRegistration), and a constructor that refuses its arguments (a missing required input, a
// component's own checks) then silently creates nothing. errcheck does not flag the blank assignment.
func TestNoConstructorErrorIsDropped(t *testing.T) {
	var found []string
	for _, path := range moduleGoFiles(t) {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		require.NoError(t, err)
		found = append(found, droppedConstructorErrors(fset, f)...)
	}
	assert.Empty(t, found, "handle the error of every New* call")

	// The check itself, on a planted drop of each form and on the handled form.
	planted := `package p
func f() {
	_, _ = ec2.NewFlowLog(ctx, "a", args)
	role, _ := NewRole(ctx, "b", args)
	iam.NewPolicy(ctx, "c", args)
	if _, err := ec2.NewVpc(ctx, "d", args); err != nil {
		return
	}
	_ = role
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "planted.go", planted, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"planted.go:3: the error of ec2.NewFlowLog is dropped",
		"planted.go:4: the error of NewRole is dropped",
		"planted.go:5: the error of iam.NewPolicy is dropped",
	}, droppedConstructorErrors(fset, f))
}

// droppedConstructorErrors lists the New* calls of f (parsed with fset) whose error is thrown away.
func droppedConstructorErrors(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(n ast.Node, name string) {
		pos := fset.Position(n.Pos())
		out = append(out, fmt.Sprintf("%s:%d: the error of %s is dropped", pos.Filename, pos.Line, name))
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Rhs) != 1 || len(n.Lhs) < 2 {
				return true
			}
			if name, ok := constructorCall(n.Rhs[0]); ok {
				if last, isIdent := n.Lhs[len(n.Lhs)-1].(*ast.Ident); isIdent && last.Name == "_" {
					report(n, name)
				}
			}
		case *ast.ExprStmt:
			if name, ok := constructorCall(n.X); ok {
				report(n, name)
			}
		}
		return true
	})
	return out
}

// constructorCall reports whether e calls a function or method named New*, and its name as written.
func constructorCall(e ast.Expr) (string, bool) {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return "", false
	}
	var name string
	switch fun := call.Fun.(type) {
	case *ast.Ident:
		name = fun.Name
	case *ast.SelectorExpr:
		name = fun.Sel.Name
		if x, ok := fun.X.(*ast.Ident); ok {
			name = x.Name + "." + name
		}
	default:
		return "", false
	}
	short := name[strings.LastIndex(name, ".")+1:]
	return name, strings.HasPrefix(short, "New")
}
