package targetlogs

import (
	"regexp"
	"slices"
	"strings"
)

// secretName matches a key that names a secret (records.md §5.3): any run
// of [A-Z0-9_] containing PASSWORD, PASS, TOKEN, SECRET, API_KEY,
// ACCESS_KEY or PRIVATE_KEY, case-insensitively.
const secretName = `[A-Z0-9_]*(?:PASSWORD|PASS|TOKEN|SECRET|API_KEY|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]*`

var (
	// secretValue is NAME=value, NAME: value, "NAME": "value" and
	// 'NAME': 'value' in one pattern: the key may be closed by a quote,
	// and the value is a double-quoted string (group 1), a single-quoted
	// one (group 2) or runs to the next whitespace, comma or semicolon
	// (group 3).
	secretValue = regexp.MustCompile(`(?i)\b` + secretName + `["']?\s*[=:]\s*(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s,;]+))`)
	// bearerValue is the token of "Bearer <token>" (group 1).
	bearerValue = regexp.MustCompile(`(?i)bearer\s+([A-Za-z0-9._~+/=-]+)`)
)

// Redacted replaces a secret value.
const Redacted = "[redacted]"

// Redact hides likely secret values in log text, line by line: the value
// of NAME=value, NAME: value, "NAME": "value" and 'NAME': 'value' when NAME
// names a secret (quotes around a value are kept), and the token of
// "Bearer <token>". It errs towards hiding: "PASSED: 3" loses its 3,
// because PASS names a secret.
//
// Matches are collected from every starting position of the original line
// before anything is replaced, so one shape can never hide another: in
// "TOKEN: Bearer abc" both the value and the bearer token go, and a key
// that sits inside another secret's value is still seen.
func Redact(text string) string {
	if !strings.Contains(text, "\n") {
		return redactLine(text)
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = redactLine(l)
	}
	return strings.Join(lines, "\n")
}

type span struct{ start, end int }

func redactLine(line string) string {
	var spans []span
	spans = collect(spans, line, secretValue)
	spans = collect(spans, line, bearerValue)
	if len(spans) == 0 {
		return line
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		// Merge overlapping values into one replacement.
		for i++; i < len(spans) && spans[i].start < cur.end; i++ {
			cur.end = max(cur.end, spans[i].end)
		}
		if cur.start < at {
			cur.start = at
		}
		b.WriteString(line[at:cur.start])
		b.WriteString(Redacted)
		at = max(at, cur.end)
	}
	b.WriteString(line[at:])
	return b.String()
}

// collect adds the value span of every match of re, trying every start
// position: after a match it resumes at the value, so a match inside a
// value is found too. Resuming inside the key would only find the same
// value again.
func collect(spans []span, line string, re *regexp.Regexp) []span {
	for pos := 0; pos < len(line); {
		loc := re.FindStringSubmatchIndex(line[pos:])
		if loc == nil {
			break
		}
		v := span{-1, -1}
		for g := 1; 2*g < len(loc); g++ {
			if loc[2*g] >= 0 {
				v = span{pos + loc[2*g], pos + loc[2*g+1]}
				break
			}
		}
		spans = append(spans, v)
		next := v.start
		if next <= pos+loc[0] {
			next = pos + loc[0] + 1
		}
		pos = next
	}
	return spans
}
