package authz

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// DecodeTOML strictly decodes a bootstrap policy document. Every key must
// be spelled exactly as the schema spells it (BurntSushi/toml would
// otherwise match keys case-insensitively), unknown keys are refused by
// name, schema_version must be present and 1, and the result must Validate.
func DecodeTOML(data []byte) (Policy, error) {
	var p Policy
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&p)
	if err != nil {
		return Policy{}, fmt.Errorf("%w: decode toml: %v", ErrInvalidPolicy, err)
	}
	for _, key := range md.Keys() {
		if err := checkTOMLKey(key); err != nil {
			return Policy{}, err
		}
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		// checkTOMLKey refuses every key the schema lacks, so this only
		// guards against the decoder skipping something we did not expect.
		return Policy{}, fmt.Errorf("%w: unknown key %q", ErrInvalidPolicy, undecoded[0].String())
	}
	if !md.IsDefined("schema_version") {
		return Policy{}, fmt.Errorf("%w: schema_version: is required (must be %d)", ErrInvalidPolicy, SchemaVersion)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func checkTOMLKey(key toml.Key) error {
	unknown := func() error {
		return fmt.Errorf("%w: unknown key %q", ErrInvalidPolicy, strings.Join(key, "."))
	}
	switch len(key) {
	case 1:
		if !knownTopKey(key[0]) {
			return unknown()
		}
	case 2:
		if key[0] == "schema_version" || !knownTopKey(key[0]) || !knownRuleKey(key[0], key[1]) {
			return unknown()
		}
	default:
		return unknown()
	}
	return nil
}

// EncodeTOML renders p as a bootstrap TOML document that DecodeTOML reads
// back to an equal policy (comments and formatting are not preserved).
func EncodeTOML(p Policy) ([]byte, error) {
	c := p.Clone()
	for i := range c.GitHubActions {
		c.GitHubActions[i] = c.GitHubActions[i].withEmptyLists()
	}
	for i := range c.GitHubHumans {
		c.GitHubHumans[i] = c.GitHubHumans[i].withEmptyLists()
	}
	for _, rules := range [][]AgentRule{c.TerminalAgents, c.LocalOperators, c.LocalAdmins} {
		for i := range rules {
			rules[i] = rules[i].withEmptyLists()
		}
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return nil, fmt.Errorf("encode authz policy toml: %w", err)
	}
	return buf.Bytes(), nil
}
