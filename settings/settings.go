// Package settings holds the configuration primitives every tier shares: the deployment environment,
// errors that name the offending stack-config key, and strict JSON decoding of structured config values.
//
// Each tier package owns its own typed Config (defaults per environment and validation); package main
// reads the stack configuration into those structs with Decode and validates all of them before any
// resource is registered.
package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Namespace is the Pulumi config namespace of this project (the `name` in Pulumi.yaml).
const Namespace = "8byte"

// Environment is a deployment environment; each one is a Pulumi stack of the same name.
type Environment string

// The environments this program knows how to deploy.
const (
	Dev  Environment = "dev"
	Prod Environment = "prod"
)

// Environments lists every supported environment, in promotion order.
var Environments = []Environment{Dev, Prod}

// ParseEnvironment returns the environment called name, or an error listing the allowed names.
func ParseEnvironment(name string) (Environment, error) {
	env := Environment(name)
	if !slices.Contains(Environments, env) {
		return "", fmt.Errorf("%q is not a known environment; allowed: %s", name, strings.Join(environmentNames(), ", "))
	}
	return env, nil
}

// IsProd reports whether env is the production environment.
func (e Environment) IsProd() bool { return e == Prod }

// String returns the environment name.
func (e Environment) String() string { return string(e) }

func environmentNames() []string {
	names := make([]string, len(Environments))
	for i, e := range Environments {
		names[i] = string(e)
	}
	return names
}

// Prefix returns the name prefix of every resource in env's stack, "8byte-<env>"; the IAM policies of the
// design match physical names against it.
func Prefix(env Environment) string { return Namespace + "-" + string(env) }

// FieldError is an invalid configuration value: which key, which value, and what is allowed.
type FieldError struct {
	Key     string // full config key, e.g. "8byte:network.vpcCidr"
	Value   any    // the rejected value
	Allowed string // what would have been accepted
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("config %s: invalid value %v: %s", e.Key, formatValue(e.Value), e.Allowed)
}

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case []string:
		return fmt.Sprintf("%q", v)
	default:
		return fmt.Sprint(v)
	}
}

// Invalid returns a *FieldError for key (relative to the project namespace, e.g. "network.vpcCidr").
func Invalid(key string, value any, allowed string, args ...any) error {
	return &FieldError{Key: Namespace + ":" + key, Value: value, Allowed: fmt.Sprintf(allowed, args...)}
}

// Decode overlays the JSON object raw onto dst, which already holds the defaults. Keys that dst does not
// declare are rejected, at any depth and case-sensitively (encoding/json alone would ignore them, or match
// "vpcCIDR" to "vpcCidr"), as is anything after the object.
func Decode(key, raw string, dst any) error {
	fail := func(err error) error { return fmt.Errorf("config %s:%s: %w", Namespace, key, err) }
	if err := checkFields(json.RawMessage(raw), reflect.TypeOf(dst), ""); err != nil {
		return fail(err)
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fail(describeDecodeError(err))
	}
	if dec.More() {
		return fail(errors.New("unexpected data after the JSON object"))
	}
	return nil
}

// checkFields rejects object keys that name no field of t exactly. Malformed JSON is left to the decoder.
func checkFields(raw json.RawMessage, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil //nolint:nilerr // malformed JSON is reported by the strict decoder, not here
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		for k, v := range obj {
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("unknown field %q (fields are case-sensitive; see the README's configuration table)", path+k)
			}
			if err := checkFields(v, ft, path+k+"."); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array, reflect.Map:
		var elems []json.RawMessage
		if t.Kind() == reflect.Map {
			var m map[string]json.RawMessage
			if json.Unmarshal(raw, &m) != nil {
				return nil //nolint:nilerr // malformed JSON is reported by the strict decoder, not here
			}
			for _, v := range m {
				elems = append(elems, v)
			}
		} else if json.Unmarshal(raw, &elems) != nil {
			return nil //nolint:nilerr // malformed JSON is reported by the strict decoder, not here
		}
		for _, e := range elems {
			if err := checkFields(e, t.Elem(), path); err != nil {
				return err
			}
		}
	}
	return nil
}

func describeDecodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("field %q must be of type %s, got a JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	return err
}

// LogRetentionDays are the retention periods, in days, that CloudWatch Logs accepts.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CheckLogRetention rejects a retention CloudWatch Logs would refuse, and a production retention under
// a year (the design's audit-logging policy keeps production logs for at least 365 days).
func CheckLogRetention(key string, env Environment, days int) error {
	if !slices.Contains(LogRetentionDays, days) {
		return Invalid(key, days, "must be one of the CloudWatch Logs retention periods %v", LogRetentionDays)
	}
	if env.IsProd() && days < 365 {
		return Invalid(key, days, "prod keeps logs for at least 365 days")
	}
	return nil
}

// CheckRange rejects v outside [lo, hi].
func CheckRange(key string, v, lo, hi int) error {
	if v < lo || v > hi {
		return Invalid(key, v, "must be between %d and %d", lo, hi)
	}
	return nil
}
