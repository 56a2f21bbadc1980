// Package engine runs a built Pulumi Go program the way the Pulumi CLI runs it, but against the mock cloud
// of tests/ instead of the real engine and providers: it serves the resource monitor and engine gRPC
// services on a loopback port, starts the program with the environment the CLI would give it (project,
// stack, config, monitor and engine addresses) and records every registration in a tests.Mocks.
//
// It needs nothing from the program but the language host protocol every Pulumi Go program speaks, so it
// runs the program of any commit (the report's BASE) unchanged, with no credentials and no network.
package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/8byte/infra/tests"
)

// Program is one run of a program binary for a stack.
type Program struct {
	Binary string            // path of the built program
	Dir    string            // working directory (the project directory)
	Stack  string            // stack name
	Config map[string]string // namespaced config ("8byte:network", "aws:region"), structured values as JSON
}

// Run runs p to completion under a fresh mock cloud and returns what it registered. The program's error,
// as it logs it to the engine, is returned when it exits non-zero.
func Run(ctx context.Context, p Program) (*tests.Mocks, error) {
	mocks := tests.NewMocks(p.Stack)
	mon := &monitor{stack: p.Stack, mocks: mocks, resources: map[string]resource.PropertyMap{}}
	eng := &engineServer{}

	lis, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the program: %w", err)
	}
	srv := grpc.NewServer()
	pulumirpc.RegisterResourceMonitorServer(srv, mon)
	pulumirpc.RegisterEngineServer(srv, eng)
	go func() { _ = srv.Serve(lis) }() // Serve returns when Stop closes the listener
	defer srv.Stop()

	config, err := json.Marshal(p.Config)
	if err != nil {
		return nil, fmt.Errorf("encoding the config: %w", err)
	}
	cmd := exec.CommandContext(ctx, p.Binary) //nolint:gosec // G204: the caller built this binary from the program's source
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(),
		pulumi.EnvProject+"="+tests.Project,
		pulumi.EnvStack+"="+p.Stack,
		pulumi.EnvOrganization+"=organization",
		pulumi.EnvConfig+"="+string(config),
		pulumi.EnvConfigSecretKeys+"=[]",
		pulumi.EnvDryRun+"=false", // an `up`, as the unit tests run it: every output is known
		pulumi.EnvParallel+"=1",
		pulumi.EnvMonitor+"="+lis.Addr().String(),
		pulumi.EnvEngine+"="+lis.Addr().String(),
	)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(strings.Join(eng.errors(), "\n") + "\n" + output.String())
		return mocks, fmt.Errorf("program %s for stack %s: %w: %s", p.Binary, p.Stack, err, msg)
	}
	return mocks, nil
}

// monitor is the resource monitor: registrations go to the mock cloud, as pulumi.WithMocks does in process.
type monitor struct {
	pulumirpc.UnimplementedResourceMonitorServer

	stack string
	mocks *tests.Mocks

	mu        sync.Mutex
	resources map[string]resource.PropertyMap // urn -> {urn, id, state}, for getResource
}

var marshaling = plugin.MarshalOptions{KeepSecrets: true, KeepResources: true}

func (m *monitor) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(tests.Project), parentType, tokens.Type(typ), name))
}

// SupportsFeature answers as the in-process mock monitor does: everything but output values, so the
// program sends its inputs exactly as it does under the unit tests.
func (m *monitor) SupportsFeature(_ context.Context, in *pulumirpc.SupportsFeatureRequest) (*pulumirpc.SupportsFeatureResponse, error) {
	return &pulumirpc.SupportsFeatureResponse{HasSupport: in.GetId() != "outputValues"}, nil
}

// GetDeploymentInfo names the project and stack.
func (m *monitor) GetDeploymentInfo(context.Context, *emptypb.Empty) (*pulumirpc.DeploymentInfo, error) {
	return &pulumirpc.DeploymentInfo{Project: tests.Project, Stack: m.stack}, nil
}

// Invoke answers from the mock cloud's invokes.
func (m *monitor) Invoke(_ context.Context, in *pulumirpc.ResourceInvokeRequest) (*pulumirpc.ResourceInvokeResponse, error) {
	args, err := plugin.UnmarshalProperties(in.GetArgs(), marshaling)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", in.GetTok(), err)
	}
	var result resource.PropertyMap
	if in.GetTok() == "pulumi:pulumi:getResource" {
		m.mu.Lock()
		registered, ok := m.resources[args["urn"].StringValue()]
		m.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("getResource: unknown resource %v", args["urn"])
		}
		result = registered
	} else if result, err = m.mocks.Call(pulumi.MockCallArgs{Token: in.GetTok(), Args: args, Provider: in.GetProvider()}); err != nil {
		return nil, err
	}
	out, err := plugin.MarshalProperties(result, marshaling)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", in.GetTok(), err)
	}
	return &pulumirpc.ResourceInvokeResponse{Return: out}, nil
}

// RegisterResource records the resource in the mock cloud and answers with its mocked state.
func (m *monitor) RegisterResource(_ context.Context, in *pulumirpc.RegisterResourceRequest) (*pulumirpc.RegisterResourceResponse, error) {
	urn := m.urn(in.GetParent(), in.GetType(), in.GetName())
	if in.GetType() == string(resource.RootStackType) && in.GetParent() == "" {
		return &pulumirpc.RegisterResourceResponse{Urn: urn}, nil
	}
	inputs, err := plugin.UnmarshalProperties(in.GetObject(), marshaling)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", urn, err)
	}
	id, state, err := m.mocks.NewResource(pulumi.MockResourceArgs{
		TypeToken: in.GetType(), Name: in.GetName(), Inputs: inputs, Provider: in.GetProvider(),
		ID: in.GetImportId(), Custom: in.GetCustom(), RegisterRPC: in,
	})
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.resources[urn] = resource.PropertyMap{"urn": resource.NewProperty(urn), "id": resource.NewProperty(id), "state": resource.NewProperty(state)}
	m.mu.Unlock()
	out, err := plugin.MarshalProperties(state, marshaling)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", urn, err)
	}
	return &pulumirpc.RegisterResourceResponse{Urn: urn, Id: id, Object: out}, nil
}

// RegisterResourceOutputs accepts component and stack outputs.
func (m *monitor) RegisterResourceOutputs(context.Context, *pulumirpc.RegisterResourceOutputsRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// RegisterPackage accepts any package (parameterized providers).
func (m *monitor) RegisterPackage(context.Context, *pulumirpc.RegisterPackageRequest) (*pulumirpc.RegisterPackageResponse, error) {
	return &pulumirpc.RegisterPackageResponse{Ref: "mock"}, nil
}

// SignalAndWaitForShutdown returns at once: the mock cloud has no callbacks to wait for.
func (m *monitor) SignalAndWaitForShutdown(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// engineServer collects the program's log messages and keeps its root resource.
type engineServer struct {
	pulumirpc.UnimplementedEngineServer

	mu   sync.Mutex
	root string
	errs []string
}

// Log keeps the errors the program logs (its failure message), and drops the rest.
func (e *engineServer) Log(_ context.Context, in *pulumirpc.LogRequest) (*emptypb.Empty, error) {
	if in.GetSeverity() == pulumirpc.LogSeverity_ERROR {
		e.mu.Lock()
		e.errs = append(e.errs, in.GetMessage())
		e.mu.Unlock()
	}
	return &emptypb.Empty{}, nil
}

func (e *engineServer) errors() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.errs...)
}

// GetRootResource returns the stack's URN, once set.
func (e *engineServer) GetRootResource(context.Context, *pulumirpc.GetRootResourceRequest) (*pulumirpc.GetRootResourceResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &pulumirpc.GetRootResourceResponse{Urn: e.root}, nil
}

// SetRootResource records the stack's URN.
func (e *engineServer) SetRootResource(_ context.Context, in *pulumirpc.SetRootResourceRequest) (*pulumirpc.SetRootResourceResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.root = in.GetUrn()
	return &pulumirpc.SetRootResourceResponse{}, nil
}

// RequirePulumiVersion accepts any version constraint.
func (e *engineServer) RequirePulumiVersion(context.Context, *pulumirpc.RequirePulumiVersionRequest) (*pulumirpc.RequirePulumiVersionResponse, error) {
	return &pulumirpc.RequirePulumiVersionResponse{}, nil
}
