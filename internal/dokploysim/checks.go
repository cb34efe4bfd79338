package dokploysim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Refinements for field.check, mirroring the zod rules of the procedures
// the simulator serves. Messages follow zod v4 unless Dokploy sets its own.

// matches requires a string to match re; msg is Dokploy's custom message,
// or "" for zod's default.
func matches(re *regexp.Regexp, msg string) func(json.RawMessage) (string, string) {
	if msg == "" {
		msg = "Invalid string: must match pattern /" + re.String() + "/"
	}
	return func(v json.RawMessage) (string, string) {
		var s string
		if json.Unmarshal(v, &s) != nil || re.MatchString(s) {
			return "", ""
		}
		return "invalid_format", msg
	}
}

// between requires a number in [lo, hi]; empty messages take zod's default.
func between(lo, hi float64, loMsg, hiMsg string) func(json.RawMessage) (string, string) {
	if loMsg == "" {
		loMsg = fmt.Sprintf("Too small: expected number to be >=%g", lo)
	}
	if hiMsg == "" {
		hiMsg = fmt.Sprintf("Too big: expected number to be <=%g", hi)
	}
	return func(v json.RawMessage) (string, string) {
		var n float64
		if json.Unmarshal(v, &n) != nil {
			return "", ""
		}
		switch {
		case n < lo:
			return "too_small", loMsg
		case n > hi:
			return "too_big", hiMsg
		}
		return "", ""
	}
}

// minLength requires a string of at least n characters.
func minLength(n int) func(json.RawMessage) (string, string) {
	return func(v json.RawMessage) (string, string) {
		var s string
		if json.Unmarshal(v, &s) != nil || len([]rune(s)) >= n {
			return "", ""
		}
		return "too_small", fmt.Sprintf("Too small: expected string to have >=%d characters", n)
	}
}

// oneOf requires a string from a closed set (a zod enum).
func oneOf(values ...string) func(json.RawMessage) (string, string) {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	msg := "Invalid option: expected one of " + strings.Join(quoted, "|")
	return func(v json.RawMessage) (string, string) {
		var s string
		if json.Unmarshal(v, &s) != nil || slices.Contains(values, s) {
			return "", ""
		}
		return "invalid_value", msg
	}
}

// Log-read input rules shared by application.readLogs, compose.readLogs
// and deployment.readLogs.
var (
	sinceRe       = regexp.MustCompile(`^(all|\d+[smhd])$`)
	searchRe      = regexp.MustCompile(`^[a-zA-Z0-9 ._-]{0,500}$`)
	containerIDRe = regexp.MustCompile(`^[a-zA-Z0-9.\-_]+$`)
)

func logFields() []field {
	return []field{
		{name: "tail", kind: kNumber, check: between(1, 10000, "", "")},
		{name: "since", kind: kString, check: matches(sinceRe, "Invalid since format")},
		{name: "search", kind: kString, check: matches(searchRe, "")},
	}
}
