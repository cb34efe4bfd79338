package apiurl

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for raw, want := range map[string]string{
		"https://dokploy.example.com":       "",
		"http://127.0.0.1:3000/api/v3/":     "",
		"ftp://example.com":                 "scheme",
		"https://":                          "no host",
		"https://user:s3cret@example.com":   "credentials",
		"https://example.com/?token=s3cret": "query",
		"https://example.com/#frag":         "fragment",
		"https://example.com/%zz?x=s3cret":  "not a valid URL",
	} {
		_, err := Parse(raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", raw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want an error about %s", raw, err, want)
		case err != nil && strings.Contains(err.Error(), "s3cret"):
			t.Errorf("%q: the error echoes the input: %v", raw, err)
		}
	}
}
