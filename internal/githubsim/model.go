package githubsim

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// Errors returned by the seeding and fault methods.
var (
	ErrUnknownRepo     = errors.New("unknown repository")
	ErrUnknownWorkflow = errors.New("unknown workflow")
	ErrUnknownRun      = errors.New("unknown workflow run")
	ErrExists          = errors.New("already exists")
)

// Workflow describes a workflow file to seed.
type Workflow struct {
	// File is the file name under .github/workflows, e.g. "promote.yml".
	File string
	// Name is the workflow's display name; empty means File.
	Name string
	// Inputs are the workflow_dispatch inputs it declares.
	Inputs map[string]Input
	// NoDispatchTrigger makes dispatches answer 422, as for a workflow
	// without an on.workflow_dispatch trigger.
	NoDispatchTrigger bool
}

// Input is one declared workflow_dispatch input.
type Input struct {
	Required bool   `json:"required"`
	Default  string `json:"default"`
}

type repo struct {
	id        int64
	owner     string
	name      string
	branches  []string // the first is the default branch
	tags      []string
	workflows []*workflow
	issues    map[int]*issue
	lastIssue int
	comments  []*comment // creation order
}

func (r *repo) fullName() string { return r.owner + "/" + r.name }

type workflow struct {
	id     int64
	spec   Workflow
	runs   []*run // creation order
	runSeq int
}

type run struct {
	id         int64
	number     int
	branch     string
	sha        string
	event      string
	status     string
	conclusion string
	createdAt  time.Time
	updatedAt  time.Time
	doneAt     time.Time // zero: stays as it is
	inputs     map[string]any
}

type issue struct {
	id        int64
	number    int
	title     string
	body      string
	labels    []string
	pr        bool
	user      string
	createdAt time.Time
}

type comment struct {
	id        int64
	issue     int
	body      string
	user      string
	createdAt time.Time
	updatedAt time.Time
}

// AddRepo adds repository "owner/name" with the given branches (the first
// is the default; none means "main").
func (s *Sim) AddRepo(fullName string, branches ...string) error {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("add repo %q: not owner/name", fullName)
	}
	if len(branches) == 0 {
		branches = []string{"main"}
	}
	s.lock()
	defer s.mu.Unlock()
	key := strings.ToLower(fullName)
	if s.repos[key] != nil {
		return fmt.Errorf("add repo %q: %w", fullName, ErrExists)
	}
	s.repoSeq++
	s.repos[key] = &repo{id: s.repoSeq, owner: owner, name: name, branches: append([]string(nil), branches...), issues: map[int]*issue{}}
	return nil
}

// AddBranch adds a branch (or, with a "refs/tags/" prefix, a tag) to repo.
func (s *Sim) AddBranch(fullName, branch string) error {
	s.lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		return fmt.Errorf("add branch %q: %w", fullName, ErrUnknownRepo)
	}
	if t, ok := strings.CutPrefix(branch, "refs/tags/"); ok {
		r.tags = append(r.tags, t)
		return nil
	}
	r.branches = append(r.branches, strings.TrimPrefix(branch, "refs/heads/"))
	return nil
}

// AddWorkflow adds a workflow to repo and returns its numeric id.
func (s *Sim) AddWorkflow(fullName string, wf Workflow) (int64, error) {
	if wf.File == "" || strings.Contains(wf.File, "/") {
		return 0, fmt.Errorf("add workflow %q: file must be a bare file name", wf.File)
	}
	if wf.Name == "" {
		wf.Name = wf.File
	}
	s.lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		return 0, fmt.Errorf("add workflow %q: %w", fullName, ErrUnknownRepo)
	}
	if r.workflow(wf.File) != nil {
		return 0, fmt.Errorf("add workflow %q: %w", wf.File, ErrExists)
	}
	s.repoSeq++
	r.workflows = append(r.workflows, &workflow{id: s.repoSeq, spec: wf})
	return s.repoSeq, nil
}

// AddIssue opens an issue and returns its number.
func (s *Sim) AddIssue(fullName, title string, labels ...string) (int, error) {
	return s.addIssue(fullName, title, false, labels)
}

// AddPullRequest opens a pull request (an issue with a pull_request part)
// and returns its number.
func (s *Sim) AddPullRequest(fullName, title string, labels ...string) (int, error) {
	return s.addIssue(fullName, title, true, labels)
}

func (s *Sim) addIssue(fullName, title string, pr bool, labels []string) (int, error) {
	s.lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		return 0, fmt.Errorf("add issue: %w", ErrUnknownRepo)
	}
	is := s.newIssue(r, title, "", labels, "octocat")
	is.pr = pr
	return is.number, nil
}

// newIssue is called with s.mu held.
func (s *Sim) newIssue(r *repo, title, body string, labels []string, user string) *issue {
	r.lastIssue++
	s.issueSeq++
	is := &issue{
		id: s.issueSeq, number: r.lastIssue, title: title, body: body,
		labels: append([]string(nil), labels...), user: user, createdAt: s.cfg.Now().UTC(),
	}
	r.issues[is.number] = is
	return is
}

// SetLabels replaces the labels of issue or pull request number.
func (s *Sim) SetLabels(fullName string, number int, labels ...string) error {
	s.lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		return fmt.Errorf("set labels: %w", ErrUnknownRepo)
	}
	is := r.issues[number]
	if is == nil {
		return fmt.Errorf("set labels: issue %d not found", number)
	}
	is.labels = append([]string(nil), labels...)
	return nil
}

// RunView is a workflow run as a test sees it.
type RunView struct {
	ID         int64
	Branch     string
	Event      string
	Status     string
	Conclusion string
	CreatedAt  time.Time
	Inputs     map[string]any
}

// Runs returns the visible runs of a workflow (file name or id), oldest
// first.
func (s *Sim) Runs(fullName, workflowID string) ([]RunView, error) {
	s.lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		return nil, fmt.Errorf("runs: %w", ErrUnknownRepo)
	}
	wf := r.workflow(workflowID)
	if wf == nil {
		return nil, fmt.Errorf("runs: %w", ErrUnknownWorkflow)
	}
	out := make([]RunView, 0, len(wf.runs))
	for _, rn := range wf.runs {
		out = append(out, RunView{ID: rn.id, Branch: rn.branch, Event: rn.event, Status: rn.status,
			Conclusion: rn.conclusion, CreatedAt: rn.createdAt, Inputs: rn.inputs})
	}
	return out, nil
}

// CommentView is a comment as a test sees it.
type CommentView struct {
	ID    int64
	Issue int
	Body  string
}

// Comments returns the comments of issue number, oldest first.
func (s *Sim) Comments(fullName string, number int) ([]CommentView, error) {
	s.lock()
	defer s.mu.Unlock()
	r := s.repos[strings.ToLower(fullName)]
	if r == nil {
		return nil, fmt.Errorf("comments: %w", ErrUnknownRepo)
	}
	var out []CommentView
	for _, c := range r.comments {
		if c.issue == number {
			out = append(out, CommentView{ID: c.id, Issue: c.issue, Body: c.body})
		}
	}
	return out, nil
}

// workflow finds a workflow by numeric id or file name.
func (r *repo) workflow(id string) *workflow {
	n, err := strconv.ParseInt(id, 10, 64)
	for _, wf := range r.workflows {
		if err == nil && wf.id == n || wf.spec.File == id {
			return wf
		}
	}
	return nil
}

// resolveRef maps a dispatch ref to the run's head_branch, or false.
func (r *repo) resolveRef(ref string) (string, bool) {
	if t, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		for _, x := range r.tags {
			if x == t {
				return t, true
			}
		}
		return "", false
	}
	b := strings.TrimPrefix(ref, "refs/heads/")
	for _, x := range r.branches {
		if x == b {
			return b, true
		}
	}
	for _, x := range r.tags {
		if x == b {
			return b, true
		}
	}
	return "", false
}

// headSHA is a stable fake commit for a branch.
func (r *repo) headSHA(branch string) string {
	sum := sha1.Sum([]byte(r.fullName() + "@" + branch))
	return hex.EncodeToString(sum[:])
}

func (wf *workflow) path() string { return path.Join(".github/workflows", wf.spec.File) }
