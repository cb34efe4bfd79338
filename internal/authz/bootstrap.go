package authz

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables that carry a bootstrap policy.
const (
	EnvPolicyTOML = "LAUNCHPLANE_POLICY_TOML"
	EnvPolicyB64  = "LAUNCHPLANE_POLICY_B64"
	EnvPolicyFile = "LAUNCHPLANE_POLICY_FILE"
)

// Source labels LoadBootstrap returns; Seed stores them as the record
// source. Every one starts with BootstrapLabelPrefix.
const (
	BootstrapLabelPrefix = "bootstrap-"
	LabelPolicyFileFlag  = "bootstrap-flag:--policy-file"
	LabelPolicyTOML      = "bootstrap-env:" + EnvPolicyTOML
	LabelPolicyB64       = "bootstrap-env:" + EnvPolicyB64
	LabelPolicyFile      = "bootstrap-env:" + EnvPolicyFile
)

// ExampleMarker is carried by the first line of the checked-in example
// policy (deploy/authz-policy.example.toml). A bootstrap source whose
// content contains it, or whose file name ends in ".example.toml" or
// ".example", is refused: the example must never become live authority.
const ExampleMarker = "launchplane:example-policy"

var (
	// ErrNoBootstrapPolicy means no bootstrap policy source is set.
	ErrNoBootstrapPolicy = errors.New("no bootstrap authz policy: set --policy-file, " + EnvPolicyTOML + ", " + EnvPolicyB64 + " or " + EnvPolicyFile)
	// ErrExamplePolicy means the bootstrap source is the checked-in example.
	ErrExamplePolicy = errors.New("refusing the example authz policy: write a real policy (the example is documentation)")
)

// maxPolicySize caps a bootstrap policy; real ones are a few KiB.
const maxPolicySize = 1 << 20

// BootstrapSource holds every place a bootstrap policy can come from.
// Values that are empty or only whitespace count as unset.
type BootstrapSource struct {
	PolicyFile string // --policy-file: a TOML file path
	TOML       string // LAUNCHPLANE_POLICY_TOML: the TOML text itself
	B64        string // LAUNCHPLANE_POLICY_B64: base64 of the TOML text
	File       string // LAUNCHPLANE_POLICY_FILE: a TOML file path
}

// BootstrapSourceFromEnv reads the three environment variables; the caller
// adds PolicyFile from its flag.
func BootstrapSourceFromEnv(getenv func(string) string) BootstrapSource {
	return BootstrapSource{TOML: getenv(EnvPolicyTOML), B64: getenv(EnvPolicyB64), File: getenv(EnvPolicyFile)}
}

// LoadBootstrap reads, checks and strictly decodes the bootstrap policy.
// The first source set wins, in this order: --policy-file,
// LAUNCHPLANE_POLICY_TOML, LAUNCHPLANE_POLICY_B64, LAUNCHPLANE_POLICY_FILE
// (the explicit flag beats the environment). It returns the policy and the
// label of the source used. It refuses when nothing is set
// (ErrNoBootstrapPolicy) and when the source is the example policy
// (ErrExamplePolicy).
func LoadBootstrap(src BootstrapSource) (Policy, string, error) {
	var (
		data  []byte
		label string
		err   error
	)
	switch {
	case strings.TrimSpace(src.PolicyFile) != "":
		label = LabelPolicyFileFlag
		data, err = readPolicyFile(strings.TrimSpace(src.PolicyFile))
	case strings.TrimSpace(src.TOML) != "":
		label = LabelPolicyTOML
		data = []byte(src.TOML)
	case strings.TrimSpace(src.B64) != "":
		label = LabelPolicyB64
		data, err = decodeB64(src.B64)
	case strings.TrimSpace(src.File) != "":
		label = LabelPolicyFile
		data, err = readPolicyFile(strings.TrimSpace(src.File))
	default:
		return Policy{}, "", ErrNoBootstrapPolicy
	}
	if err != nil {
		return Policy{}, "", fmt.Errorf("load bootstrap policy from %s: %w", label, err)
	}
	if bytes.Contains(data, []byte(ExampleMarker)) {
		return Policy{}, "", fmt.Errorf("load bootstrap policy from %s: %w (it carries the %q marker)", label, ErrExamplePolicy, ExampleMarker)
	}
	p, err := DecodeTOML(data)
	if err != nil {
		return Policy{}, "", fmt.Errorf("load bootstrap policy from %s: %w", label, err)
	}
	return p, label, nil
}

// IsExamplePath reports whether path names an example policy file.
func IsExamplePath(path string) bool {
	base := filepath.Base(path)
	return strings.HasSuffix(base, ".example.toml") || strings.HasSuffix(base, ".example")
}

// ReadPolicyFile reads a TOML policy file (at most 1 MiB) without judging
// its content: for tools that inspect any policy, including the example.
func ReadPolicyFile(path string) (Policy, error) {
	data, err := readFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("read policy file: %w", err)
	}
	p, err := DecodeTOML(data)
	if err != nil {
		return Policy{}, fmt.Errorf("read policy file %s: %w", path, err)
	}
	return p, nil
}

func readPolicyFile(path string) ([]byte, error) {
	if IsExamplePath(path) {
		return nil, fmt.Errorf("%w (%s is an example file)", ErrExamplePolicy, path)
	}
	return readFile(path)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPolicySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPolicySize {
		return nil, fmt.Errorf("%s is larger than 1 MiB", path)
	}
	return data, nil
}

// decodeB64 accepts standard base64 with or without padding, ignoring
// whitespace (line-wrapped output of base64(1) works).
func decodeB64(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, errors.New("value is not valid base64")
		}
	}
	return data, nil
}
