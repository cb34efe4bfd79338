package targetlogs_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/targetlogs"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// NAME=value
		{"env assignment", "DB_PASSWORD=hunter2", "DB_PASSWORD=[redacted]"},
		{"lower case", "db_password=hunter2", "db_password=[redacted]"},
		{"mixed case", "Db_PassWord=hunter2", "Db_PassWord=[redacted]"},
		{"spaces around =", "PASSWORD = hunter2 rest", "PASSWORD = [redacted] rest"},
		{"value stops at comma", "token=abc,user=bob", "token=[redacted],user=bob"},
		{"value stops at semicolon", "secret=abc; next", "secret=[redacted]; next"},
		{"embedded in a sentence", "connecting with API_KEY=sk-123 to host", "connecting with API_KEY=[redacted] to host"},
		{"several on one line", "PASS=a TOKEN=b SECRET=c", "PASS=[redacted] TOKEN=[redacted] SECRET=[redacted]"},
		{"access key", "AWS_ACCESS_KEY=AKIA123", "AWS_ACCESS_KEY=[redacted]"},
		{"access key id contains ACCESS_KEY", "AWS_ACCESS_KEY_ID=AKIA123", "AWS_ACCESS_KEY_ID=[redacted]"},
		{"private key", "SSH_PRIVATE_KEY=abc", "SSH_PRIVATE_KEY=[redacted]"},
		{"value with equals signs", "TOKEN=abc==", "TOKEN=[redacted]"},
		{"after a timestamp", "2026-08-21T12:00:00.000000000Z GITHUB_TOKEN=ghp_x", "2026-08-21T12:00:00.000000000Z GITHUB_TOKEN=[redacted]"},
		{"after punctuation", "env[DB_PASSWORD=hunter2]", "env[DB_PASSWORD=[redacted]"},
		// NAME: value
		{"colon", "password: hunter2", "password: [redacted]"},
		{"colon without space", "password:hunter2", "password:[redacted]"},
		{"yaml-ish", "  smtp_pass: s3cret", "  smtp_pass: [redacted]"},
		// "NAME": "value"
		{"json", `{"db_password": "hunter 2", "user": "bob"}`, `{"db_password": "[redacted]", "user": "bob"}`},
		{"json compact", `{"api_key":"sk-1","x":1}`, `{"api_key":"[redacted]","x":1}`},
		{"json empty value", `{"token": ""}`, `{"token": "[redacted]"}`},
		{"quoted value after =", `PASSWORD="hunter 2"`, `PASSWORD="[redacted]"`},
		{"unterminated quote", `PASSWORD="hunter2 x`, `PASSWORD=[redacted] x`},
		{"mixed key and value quotes", `{"token": 'abc'}`, `{"token": '[redacted]'}`},
		{"key inside another value", `"TOKEN":  "PASSWORD": "hunter2"`, `"TOKEN":  "[redacted]": "[redacted]"`},
		// 'NAME': 'value'
		{"python dict", `{'db_password': 'hunter 2', 'user': 'bob'}`, `{'db_password': '[redacted]', 'user': 'bob'}`},
		{"single quoted value after colon", `secret: 'a b c'`, `secret: '[redacted]'`},
		{"bearer token that looks like a key", "Bearer xpassword: hunter2", "Bearer [redacted]: [redacted]"},
		// Bearer
		{"bearer header", "Authorization: Bearer abc.def", "Authorization: Bearer [redacted]"},
		{"bearer lower case", "authorization: bearer abc.def-ghi_jkl", "authorization: bearer [redacted]"},
		{"bearer in a token field", "X_AUTH_TOKEN: Bearer abc.def", "X_AUTH_TOKEN: [redacted] [redacted]"},
		{"bearer in a quoted token field", `{"token": "Bearer abc.def"}`, `{"token": "[redacted]"}`},
		{"bearer in json", `{"Authorization": "Bearer eyJ.a.b"}`, `{"Authorization": "Bearer [redacted]"}`},
		{"bearer jwt with padding", "Bearer eyJhbGc.eyJzdWIi.sig+/=", "Bearer [redacted]"},
		// Multi-line text is redacted line by line.
		{"lines", "A=1\nDB_PASSWORD=x\nB=2", "A=1\nDB_PASSWORD=[redacted]\nB=2"},
		{"no spanning lines", "PASSWORD\n= hunter2", "PASSWORD\n= hunter2"},
		// Over-redaction the rule accepts: PASS is a secret name.
		{"passed counts", "tests PASSED: 12", "tests PASSED: [redacted]"},

		// Must NOT be redacted.
		{"plain line", "GET /web/health 200 3ms", "GET /web/health 200 3ms"},
		{"non-secret assignment", "USER=alice HOST=db.internal PORT=5432", "USER=alice HOST=db.internal PORT=5432"},
		{"secret word without separator", "password reset email sent to alice", "password reset email sent to alice"},
		{"token expired message", "token expired for session 42", "token expired for session 42"},
		{"key name alone", "missing DB_PASSWORD", "missing DB_PASSWORD"},
		{"bare bearer", "Bearer", "Bearer"},
		{"bearer without a token", "scheme is Bearer.", "scheme is Bearer."},
		{"json non-secret", `{"user": "bob", "status": "ok"}`, `{"user": "bob", "status": "ok"}`},
		{"KEY alone is not a secret name", "CACHE_KEY=abc", "CACHE_KEY=abc"},
		{"private without key", "PRIVATE=1", "PRIVATE=1"},
		{"empty", "", ""},
		{"already redacted", "DB_PASSWORD=[redacted]", "DB_PASSWORD=[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, targetlogs.Redact(tt.in)); diff != "" {
				t.Errorf("Redact(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// FuzzRedact plants a secret in each of the four shapes inside arbitrary
// text; Redact must never panic and never let the secret through.
func FuzzRedact(f *testing.F) {
	f.Add("prefix", "DB_", "PASSWORD", "_X", "hunter2", "suffix")
	f.Add(`{"a": 1,`, "", "token", "", "abc.def", "}")
	f.Add("Bearer", "x", "Api_Key", "", "sk-1", "'")
	f.Add("\"", "", "pass", "", "p", "\"")
	f.Add("PASSWORD= \"", "", "SECRET", "", "v=v", "'")
	keywords := []string{"PASSWORD", "PASS", "TOKEN", "SECRET", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"}
	f.Fuzz(func(t *testing.T, prefix, head, keyword, tail, value, suffix string) {
		_ = targetlogs.Redact(prefix + head + keyword + tail + value + suffix) // never panics

		prefix, suffix = strings.ReplaceAll(prefix, "\n", " "), strings.ReplaceAll(suffix, "\n", " ")
		kw := keywords[len(keyword)%len(keywords)]
		if len(keyword) > 0 && keyword[0]%2 == 1 {
			kw = strings.ToLower(kw)
		}
		name := keep(head, nameChars) + kw + keep(tail, nameChars)
		secret := "zQ9" + keep(value, valueChars)
		if strings.Contains(prefix, secret) || strings.Contains(suffix, secret) {
			return
		}
		for _, shape := range []string{
			name + "=" + secret,
			name + ": " + secret,
			`"` + name + `": "` + secret + `"`,
			`'` + name + `': '` + secret + `'`,
		} {
			line := prefix + " " + shape + " " + suffix
			if got := targetlogs.Redact(line); strings.Contains(got, secret) {
				t.Fatalf("Redact(%q) = %q keeps the secret %q", line, got, secret)
			}
		}
	})
}

const (
	nameChars  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
	valueChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._=+/-"
)

func keep(s, allowed string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(allowed, r) {
			return r
		}
		return -1
	}, s)
}
