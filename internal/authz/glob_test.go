package authz

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// '*' crosses '/', unlike path.Match.
		{"owner/repo/.github/workflows/x.yml@*", "owner/repo/.github/workflows/x.yml@refs/heads/main", true},
		{"owner/repo/.github/workflows/x.yml@*", "owner/repo/.github/workflows/x.yml@refs/pull/7/merge", true},
		{"owner/repo/.github/workflows/x.yml@*", "owner/repo/.github/workflows/y.yml@refs/heads/main", false},
		{"owner/repo/.github/workflows/x.yml@*", "other/repo/.github/workflows/x.yml@refs/heads/main", false},
		{"refs/heads/*", "refs/heads/main", true},
		{"refs/heads/*", "refs/heads/feature/deep/branch", true},
		{"refs/heads/*", "refs/tags/v1", false},
		{"owner/*/.github/workflows/*.yml@*", "owner/repo/.github/workflows/ci.yml@refs/heads/main", true},
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"", "", true},
		{"", "x", false},
		{"*a", "", false},
		{"a*", "a", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"*x*x*x*y", strings.Repeat("x", 200), false},
		// '?' is exactly one character, runes not bytes.
		{"?", "é", true},
		{"??", "é", false},
		{"a?c", "a/c", true},
		// Classes.
		{"[abc]", "b", true},
		{"[abc]", "d", false},
		{"[!abc]", "d", true},
		{"[!abc]", "a", false},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[]]", "]", true},
		{"[!]]", "a", true},
		{"[!]]", "]", false},
		{"[a-]", "-", true},
		{"[-a]", "-", true},
		{"[z-a]", "m", false},
		{"[!z-a]", "m", true},
		{"[^a]", "^", true}, // '^' is not negation in fnmatch
		{"[^a]", "b", false},
		// Unclosed '[' is a literal.
		{"[abc", "[abc", true},
		{"[abc", "a", false},
		{"a[", "a[", true},
		// No escapes; case-sensitive.
		{`a\*`, `a\xyz`, true},
		{"Main", "main", false},
		{"launchplane", "launchplane", true},
	}
	for _, tt := range tests {
		if got := Glob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
		if ref := fnmatchRegexp(tt.pattern).MatchString(tt.name); ref != tt.want {
			t.Errorf("reference fnmatch(%q, %q) = %v, want %v (test table is wrong)", tt.pattern, tt.name, ref, tt.want)
		}
	}
}

// FuzzGlob holds Glob equal to an independent reference: a port of
// Python's fnmatch.translate to a Go regexp.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"owner/repo/.github/workflows/x.yml@*", "owner/repo/.github/workflows/x.yml@refs/heads/main"},
		{"refs/heads/*", "refs/heads/a/b"},
		{"[!a-c]?*[]x]", "d1zz]"},
		{"[a-c-e]", "-"},
		{"[bz-ac]", "c"},
		{"[", "["},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(name) || len(pattern) > 64 {
			t.Skip()
		}
		got := Glob(pattern, name)
		if want := fnmatchRegexp(pattern).MatchString(name); got != want {
			t.Fatalf("Glob(%q, %q) = %v, reference says %v", pattern, name, got, want)
		}
	})
}

// fnmatchRegexp ports CPython's fnmatch.translate (3.12), including its
// chunked handling of '-' in sets and its removal of reversed ranges.
func fnmatchRegexp(pat string) *regexp.Regexp {
	p := []rune(pat)
	n := len(p)
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < n; {
		c := p[i]
		i++
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i
			if j < n && p[j] == '!' {
				j++
			}
			if j < n && p[j] == ']' {
				j++
			}
			for j < n && p[j] != ']' {
				j++
			}
			if j >= n {
				b.WriteString(`\[`)
				continue
			}
			negate := p[i] == '!'
			var chunks [][]rune
			start := i
			if negate {
				start = i + 1
			}
			k := start + 1
			from := start
			for {
				idx := -1
				for m := k; m < j; m++ {
					if p[m] == '-' {
						idx = m
						break
					}
				}
				if idx < 0 {
					break
				}
				chunks = append(chunks, p[from:idx])
				from = idx + 1
				k = idx + 3
			}
			if chunk := p[from:j]; len(chunk) > 0 {
				chunks = append(chunks, chunk)
			} else if len(chunks) > 0 {
				chunks[len(chunks)-1] = append(append([]rune{}, chunks[len(chunks)-1]...), '-')
			}
			for m := len(chunks) - 1; m > 0; m-- {
				prev, cur := chunks[m-1], chunks[m]
				if len(prev) > 0 && len(cur) > 0 && prev[len(prev)-1] > cur[0] {
					chunks[m-1] = append(append([]rune{}, prev[:len(prev)-1]...), cur[1:]...)
					chunks = append(chunks[:m], chunks[m+1:]...)
				}
			}
			var set strings.Builder
			for m, chunk := range chunks {
				if m > 0 {
					set.WriteString("-")
				}
				for _, r := range chunk {
					set.WriteString(classLiteral(r))
				}
			}
			i = j + 1
			switch {
			case set.Len() == 0 && !negate:
				b.WriteString(`[^\x00-\x{10FFFF}]`) // never matches
			case set.Len() == 0:
				b.WriteString(".")
			case negate:
				b.WriteString("[^" + set.String() + "]")
			default:
				b.WriteString("[" + set.String() + "]")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

func classLiteral(r rune) string {
	if r < 0x80 && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
		return fmt.Sprintf(`\x{%x}`, r)
	}
	return string(r)
}
