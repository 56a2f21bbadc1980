package iameval

import "strings"

// Glob reports whether s matches pattern, where "*" matches any run of characters (also none) and "?"
// exactly one character; every other character matches itself, case-sensitively.
func Glob(pattern, s string) bool {
	// Iterative matching with backtracking to the last "*": linear in practice, no recursion.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// MatchAction reports whether an action pattern of a policy ("s3:Get*", "*") matches action
// ("s3:GetObject"). IAM compares actions case-insensitively, service prefix and name alike.
func MatchAction(pattern, action string) bool {
	return Glob(strings.ToLower(pattern), strings.ToLower(action))
}

// MatchARN reports whether an ARN pattern of a Resource element or an Arn* condition matches arn, the way
// IAM does: case-sensitively, each of the six colon-separated parts (arn:partition:service:region:
// account:resource) on its own, so a wildcard in one part never spans a colon into the next; the resource
// part, which may itself contain colons, is matched whole. A pattern "*" matches anything; a pattern or
// value that is not an ARN is matched as a whole string.
func MatchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	if strings.Count(pattern, ":") < 5 || strings.Count(arn, ":") < 5 {
		return Glob(pattern, arn)
	}
	// The first five parts one by one, then the resource part whole (strings.SplitN(.., ":", 6) without
	// allocating: the IAM tests evaluate this hundreds of thousands of times).
	for range 5 {
		p, a := strings.IndexByte(pattern, ':'), strings.IndexByte(arn, ':')
		if !Glob(pattern[:p], arn[:a]) {
			return false
		}
		pattern, arn = pattern[p+1:], arn[a+1:]
	}
	return Glob(pattern, arn)
}
