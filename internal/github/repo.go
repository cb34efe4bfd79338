package github

import (
	"fmt"
	"strings"
)

// splitRepo parses "owner/name". go-github formats path segments without
// escaping them, so anything that could change the path is refused here.
func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || !validOwner(owner) || !validSegment(name) {
		return "", "", fmt.Errorf("%w: repository %q is not owner/name", ErrInvalidInput, repo)
	}
	return owner, name, nil
}

// validOwner accepts GitHub user and organization logins.
func validOwner(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// validSegment accepts repository names and workflow file names: letters,
// digits, '.', '-', '_', but not "." or "..".
func validSegment(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func checkWorkflowID(id string) error {
	if !validSegment(id) {
		return fmt.Errorf("%w: workflow id %q is not a workflow file name or numeric id", ErrInvalidInput, id)
	}
	return nil
}

func checkNumber(what string, n int64) error {
	if n < 1 {
		return fmt.Errorf("%w: %s %d is not positive", ErrInvalidInput, what, n)
	}
	return nil
}

// refBranch is the head_branch GitHub reports for a run dispatched on ref:
// the short name of a branch or tag ref.
func refBranch(ref string) string {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return b
	}
	if t, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return t
	}
	return ref
}
