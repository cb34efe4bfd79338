package dokploy

import (
	"slices"
	"strings"
)

// Dokploy stores an application's or compose's environment as one
// KEY=VALUE text. ParseEnv and MergeEnv read and edit that text the way
// Launchplane needs: by key, leaving every line they do not own untouched.

// ParseEnv reads KEY=VALUE lines: blank lines and # comments are skipped, an
// "export " prefix is dropped, the key ends at the first "=", and a later
// line for the same key wins (as a shell env file would).
func ParseEnv(env string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(env, "\n") {
		if k, v, ok := envLine(line); ok {
			out[k] = v
		}
	}
	return out
}

func envLine(line string) (key, value string, ok bool) {
	line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
	if line == "" || strings.HasPrefix(line, "#") {
		return "", "", false
	}
	line = strings.TrimPrefix(line, "export ")
	k, v, ok := strings.Cut(line, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", "", false
	}
	return k, v, true
}

// MergeEnv returns env with every key of set written: an existing line for
// the key is replaced in place (later duplicates are dropped), new keys are
// appended in sorted order, and every other line — unrelated keys,
// comments, blanks — is kept as it was. Values must not contain newlines.
func MergeEnv(env string, set map[string]string) string {
	var lines []string
	if env != "" {
		lines = strings.Split(strings.TrimRight(env, "\n"), "\n")
	}
	written := map[string]bool{}
	out := make([]string, 0, len(lines)+len(set))
	for _, line := range lines {
		k, _, ok := envLine(line)
		if v, mine := set[k]; ok && mine {
			if written[k] {
				continue
			}
			written[k] = true
			out = append(out, k+"="+v)
			continue
		}
		out = append(out, line)
	}
	var added []string
	for k := range set {
		if !written[k] {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	for _, k := range added {
		out = append(out, k+"="+set[k])
	}
	return strings.Join(out, "\n")
}
