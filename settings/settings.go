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
	"regexp"
	"slices"
	"strings"
)

// Namespace is the Pulumi config namespace of this project (the `name` in Pulumi.yaml).
const Namespace = "8byte"

// Profile selects the defaults of a stack: dev-like (small, cheap, deleted with the stack) or prod-like
// (highly available, protected, retained). Each tier's DefaultConfig and Validate follow it.
type Profile string

// The profiles a stack can choose (stack config `8byte:profile`).
const (
	DevProfile  Profile = "dev"
	ProdProfile Profile = "prod"
)

// Profiles lists every profile.
var Profiles = []Profile{DevProfile, ProdProfile}

// Environment is what one stack deploys: its name (the Pulumi stack's name, carried by every physical
// name of the stack) and its profile (the defaults it starts from).
type Environment struct {
	Name    string
	Profile Profile
	// Drill marks a disaster-recovery drill stack (8byte:recovery.drill): prod-like in every setting, but
	// built to be destroyed again, so nothing of it is protected or retained (see Protected).
	Drill bool
}

// The two stacks of this repository. Their profile is their name, so their physical names and defaults
// are those of the program before profiles existed.
var (
	Dev  = Environment{Name: "dev", Profile: DevProfile}
	Prod = Environment{Name: "prod", Profile: ProdProfile}
)

// Environments lists the committed stacks (Pulumi.dev.yaml, Pulumi.prod.yaml), in promotion order.
var Environments = []Environment{Dev, Prod}

// MaxNameLength is the longest stack name: the load balancer and target group are auto-named
// "8byte-<stack>-alb-<7 random characters>", and Elastic Load Balancing allows 32 characters.
const MaxNameLength = 12

// ReservedNames are stack names the main program refuses: the bootstrap project's physical names use
// "8byte-bootstrap-" and its secrets-provider aliases "alias/8byte-pulumi-".
var ReservedNames = []string{"bootstrap", "pulumi"}

// stackName is a name that fits every physical name derived from it: lowercase letters, digits and
// inner hyphens (S3 buckets, RDS identifiers), starting with a letter (RDS).
var stackName = regexp.MustCompile(`^[a-z](?:[a-z0-9]|-[a-z0-9])*$`)

// CheckName reports why name cannot name a stack, or nil.
func CheckName(name string) error {
	switch {
	case len(name) > MaxNameLength || !stackName.MatchString(name):
		return fmt.Errorf("stack name %q: must be lowercase letters, digits and single inner hyphens, start with a letter, "+
			"at most %d characters (it is part of every physical name, e.g. the load balancer's)", name, MaxNameLength)
	case slices.Contains(ReservedNames, name):
		return fmt.Errorf("stack name %q is reserved for the bootstrap project", name)
	}
	return nil
}

// ParseProfile returns the profile called name, or an error listing the allowed names.
func ParseProfile(name string) (Profile, error) {
	p := Profile(name)
	if !slices.Contains(Profiles, p) {
		return "", fmt.Errorf("%q is not a profile; allowed: dev, prod", name)
	}
	return p, nil
}

// IsProd reports whether env has the prod profile.
func (e Environment) IsProd() bool { return e.Profile == ProdProfile }

// Protected reports whether env's stateful resources are protected against deletion and retained when
// the stack is destroyed (deletion protection, final snapshots, retained keys and buckets, recovery
// windows): every prod-profile stack but a recovery drill, which is destroyed after every drill.
func (e Environment) Protected() bool { return e.IsProd() && !e.Drill }

// String returns the stack name.
func (e Environment) String() string { return e.Name }

// Prefix returns the name prefix of every resource in env's stack, "8byte-<stack>"; the IAM policies of
// the design match physical names against it.
func Prefix(env Environment) string { return Namespace + "-" + env.Name }

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
	raw, err := numbersAsStrings(raw, reflect.TypeOf(dst))
	if err != nil {
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

// numbersAsStrings rewrites the JSON integers of raw that land in a string field of t as strings: `pulumi
// config set --path 8byte:database.engineVersion 16` stores a number, as does `imageTag: 20240101` unquoted
// in a stack file, and both mean the string. Other numbers are refused: YAML and the CLI have already
// turned "16.10" into 16.1 or "1e5" into 100000, so their text is lost. Malformed JSON is returned
// unchanged, for the strict decoder to report.
func numbersAsStrings(raw string, t reflect.Type) (string, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return raw, nil //nolint:nilerr // malformed JSON is reported by the strict decoder, not here
	}
	changed, err := coerce(&v, t, "")
	if err != nil || !changed {
		return raw, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("re-encoding the value: %w", err)
	}
	return string(out), nil
}

// wholeNumber is a JSON number without fraction or exponent: its text is the text the user wrote.
var wholeNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// coerce replaces, in place, the json.Numbers of *v that t declares as strings; it reports whether it
// changed anything.
func coerce(v *any, t reflect.Type, path string) (bool, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	changed := false
	switch cur := (*v).(type) {
	case json.Number:
		if t.Kind() != reflect.String {
			return false, nil
		}
		if !wholeNumber.MatchString(cur.String()) {
			field := strings.TrimSuffix(path, ".")
			return false, fmt.Errorf("field %q must be a string, got the number %s (only whole numbers are read as strings): quote it in the stack file, e.g. %s: \"<value>\"",
				field, cur, field[strings.LastIndex(field, ".")+1:])
		}
		*v = cur.String()
		return true, nil
	case map[string]any:
		for k, e := range cur {
			var et reflect.Type
			switch t.Kind() {
			case reflect.Struct:
				f, ok := fieldByJSONName(t, k)
				if !ok {
					continue
				}
				et = f
			case reflect.Map:
				et = t.Elem()
			default:
				continue
			}
			c, err := coerce(&e, et, path+k+".")
			if err != nil {
				return false, err
			}
			if c {
				cur[k], changed = e, true
			}
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return false, nil
		}
		for i := range cur {
			c, err := coerce(&cur[i], t.Elem(), path)
			if err != nil {
				return false, err
			}
			changed = changed || c
		}
	}
	return changed, nil
}

// fieldByJSONName returns the type of t's field whose json name is name.
func fieldByJSONName(t reflect.Type, name string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
			return f.Type, true
		}
	}
	return nil, false
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

// RegionPattern matches AWS region names: us-west-2, eu-central-1, ap-southeast-4, us-gov-west-1, ...
var RegionPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$`)

// UnknownKeys returns, sorted, the keys of the 8byte namespace in allConfig (the JSON object of every config
// value the engine passes to a program, pulumi.EnvConfig) that are not in known: the engine accepts any
// key, so a typo would otherwise silently fall back to a default.
func UnknownKeys(allConfig string, known []string) ([]string, error) {
	if allConfig == "" {
		return nil, nil
	}
	var all map[string]any
	if err := json.Unmarshal([]byte(allConfig), &all); err != nil {
		return nil, fmt.Errorf("reading the stack configuration: %w", err)
	}
	var unknown []string
	for key := range all {
		if name, ok := strings.CutPrefix(key, Namespace+":"); ok && !slices.Contains(known, name) {
			unknown = append(unknown, key)
		}
	}
	slices.Sort(unknown)
	return unknown, nil
}
