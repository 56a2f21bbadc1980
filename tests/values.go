package tests

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Unknown stands for a value that is not known until the resource is created (preview-only outputs).
const Unknown = "<unknown>"

// plainMap turns a property map into plain Go values: map[string]any, []any, string, float64 (or int for
// whole numbers), bool and nil; secrets are unwrapped and resource references become their URN.
func plainMap(pm resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(pm))
	for k, v := range pm {
		out[string(k)] = plain(v)
	}
	return out
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		n := v.NumberValue()
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int(n)
		}
		return n
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plain(e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		if o := v.OutputValue(); o.Known {
			return plain(o.Element)
		}
		return Unknown
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	default:
		return fmt.Sprint(v.V)
	}
}

// Get returns the value at a dotted path of r's inputs ("healthCheck.path", "ingress.0.fromPort"), or nil.
func (r *Resource) Get(path string) any { return dig(r.In, path) }

// Output returns the value at a dotted path of r's outputs (inputs plus computed values), or nil.
func (r *Resource) Output(path string) any { return dig(r.Out, path) }

// String returns the string input at path, or "" when absent.
func (r *Resource) String(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Int returns the whole-number input at path, or 0 when absent.
func (r *Resource) Int(path string) int {
	n, _ := r.Get(path).(int)
	return n
}

// Bool returns the boolean input at path, or false when absent.
func (r *Resource) Bool(path string) bool {
	b, _ := r.Get(path).(bool)
	return b
}

// Strings returns the string-list input at path.
func (r *Resource) Strings(path string) []string {
	arr, _ := r.Get(path).([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// JSON decodes the JSON-document input at path (a policy, a dashboard body) into dst.
func (r *Resource) JSON(path string, dst any) error {
	s := r.String(path)
	if s == "" {
		return fmt.Errorf("%s %s: no JSON at %q", r.Type, r.Name, path)
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("%s %s: %s is not JSON: %w", r.Type, r.Name, path, err)
	}
	return nil
}

// Tag returns the tag key of r's input tags.
func (r *Resource) Tag(key string) string { return r.String("tags." + key) }

// Describe names r for assertion messages.
func (r *Resource) Describe() string { return r.Type + " " + r.Name }

func dig(v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch cur := v.(type) {
		case map[string]any:
			v = cur[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i < 0 || i >= len(cur) {
				return nil
			}
			v = cur[i]
		default:
			return nil
		}
	}
	return v
}
