package authz

import "unicode/utf8"

// Glob reports whether name matches the shell-style pattern, with the
// semantics of Python's fnmatch.fnmatchcase, which the policy format was
// written against:
//
//   - '*' matches any run of characters, including '/' (unlike path.Match:
//     a GitHub workflow ref "owner/repo/.github/workflows/x.yml@refs/heads/main"
//     must match "owner/repo/.github/workflows/x.yml@*");
//   - '?' matches exactly one character;
//   - "[seq]" matches one character in seq, "[!seq]" one not in it; "a-z"
//     inside is a range; a ']' right after "[" or "[!" is a member;
//   - a '[' with no closing ']' is a literal '[';
//   - there is no escape character, and matching is case-sensitive.
//
// Matching works on runes and runs in O(len(pattern)*len(name)) at worst.
func Glob(pattern, name string) bool {
	px, nx := 0, 0
	// Where to resume after a mismatch: the last '*' and the name position
	// it should next try to absorb up to. restartNx == 0 means no '*' yet.
	restartPx, restartNx := 0, 0
	for px < len(pattern) || nx < len(name) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				restartPx = px
				restartNx = nx + runeWidth(name, nx)
				px++
				continue
			case '?':
				if nx < len(name) {
					px++
					nx += runeWidth(name, nx)
					continue
				}
			case '[':
				if nx < len(name) {
					r, w := utf8.DecodeRuneInString(name[nx:])
					if end, ok := classEnd(pattern, px); ok {
						if classMatches(pattern[px+1:end], r) {
							px = end + 1
							nx += w
							continue
						}
					} else if r == '[' {
						px++
						nx += w
						continue
					}
				}
			default:
				if nx < len(name) {
					pr, pw := utf8.DecodeRuneInString(pattern[px:])
					r, w := utf8.DecodeRuneInString(name[nx:])
					if pr == r {
						px += pw
						nx += w
						continue
					}
				}
			}
		}
		// Mismatch: let the last '*' absorb one more character and retry.
		if 0 < restartNx && restartNx <= len(name) {
			px = restartPx
			nx = restartNx
			continue
		}
		return false
	}
	return true
}

// runeWidth is the byte width of the rune at s[i], or 1 past the end.
func runeWidth(s string, i int) int {
	if i >= len(s) {
		return 1
	}
	_, w := utf8.DecodeRuneInString(s[i:])
	return w
}

// classEnd finds the ']' closing the class that opens at pattern[open],
// following fnmatch: a leading '!' and then a leading ']' belong to the set.
func classEnd(pattern string, open int) (int, bool) {
	j := open + 1
	if j < len(pattern) && pattern[j] == '!' {
		j++
	}
	if j < len(pattern) && pattern[j] == ']' {
		j++
	}
	for j < len(pattern) && pattern[j] != ']' {
		j++
	}
	return j, j < len(pattern)
}

// classMatches reports whether r is in the set body (the text between the
// brackets). A range whose ends are reversed is empty, as in fnmatch.
func classMatches(body string, r rune) bool {
	negate := len(body) > 0 && body[0] == '!'
	if negate {
		body = body[1:]
	}
	in := false
	for i := 0; i < len(body); {
		lo, w := utf8.DecodeRuneInString(body[i:])
		i += w
		if i+1 < len(body) && body[i] == '-' {
			hi, hw := utf8.DecodeRuneInString(body[i+1:])
			i += 1 + hw
			if lo <= r && r <= hi {
				in = true
			}
			continue
		}
		if lo == r {
			in = true
		}
	}
	return in != negate
}
