package authn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/launchplane/launchplane/internal/authn"
)

func TestConfigValidate(t *testing.T) {
	valid := func() authn.Config {
		return authn.Config{
			Issuer:        authn.GitHubIssuer,
			Audience:      audience,
			LocalAdmin:    &authn.StaticToken{Token: adminToken, Subject: "owner", TokenLabel: "admin"},
			LocalOperator: &authn.StaticToken{Token: operatorToken, Subject: "owner", TokenLabel: "write"},
			TerminalAgent: &authn.StaticToken{Token: agentToken, Subject: "owner", TokenLabel: "read"},
		}
	}
	with := func(edit func(*authn.Config)) authn.Config {
		c := valid()
		edit(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  authn.Config
		want []string // substrings of the error; nil means valid
	}{
		{"valid", valid(), nil},
		{"no static tokens", authn.Config{Issuer: authn.GitHubIssuer, Audience: audience}, nil},
		{"zero config", authn.Config{}, []string{"audience is required", "issuer is required"}},
		{"blank audience", with(func(c *authn.Config) { c.Audience = "  " }), []string{"audience is required"}},
		{"issuer not a URL", with(func(c *authn.Config) { c.Issuer = "token.actions.githubusercontent.com" }), []string{"is not an http(s) URL"}},
		{"issuer wrong scheme", with(func(c *authn.Config) { c.Issuer = "ftp://issuer.example" }), []string{"is not an http(s) URL"}},
		{"plain http issuer off loopback", with(func(c *authn.Config) { c.Issuer = "http://issuer.example" }), []string{"must use https"}},
		{"admin without subject", with(func(c *authn.Config) { c.LocalAdmin.Subject = "" }),
			[]string{"local admin subject is required"}},
		{"operator without label", with(func(c *authn.Config) { c.LocalOperator.TokenLabel = " " }),
			[]string{"local operator token label is required"}},
		{"agent without either", with(func(c *authn.Config) { c.TerminalAgent.Subject, c.TerminalAgent.TokenLabel = "", "" }),
			[]string{"terminal agent subject is required", "terminal agent token label is required"}},
		{"empty token", with(func(c *authn.Config) { c.LocalAdmin.Token = "" }), []string{"local admin token is empty"}},
		{"token with space", with(func(c *authn.Config) { c.LocalOperator.Token = "two words" }),
			[]string{"local operator token has characters outside the bearer token alphabet"}},
		{"token too long", with(func(c *authn.Config) { c.TerminalAgent.Token = strings.Repeat("t", authn.MaxTokenLength+1) }),
			[]string{"terminal agent token is longer than"}},
		{"duplicate tokens", with(func(c *authn.Config) { c.TerminalAgent.Token = adminToken }),
			[]string{"terminal agent token must differ from the local admin token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, authn.ErrInvalidConfig) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, tok := range []string{adminToken, operatorToken, agentToken, "two words"} {
				if strings.Contains(err.Error(), tok) {
					t.Errorf("error %q leaks a token", err)
				}
			}
			// New refuses the same config before any network call.
			if _, err := authn.New(t.Context(), tt.cfg); !errors.Is(err, authn.ErrInvalidConfig) {
				t.Errorf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
}
