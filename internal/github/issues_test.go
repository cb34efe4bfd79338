package github_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/githubsim"
)

func TestPullRequestLabels(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	got, err := f.gh.PullRequestLabels(ctx, testRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"preview", "enhancement"}, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if err := f.sim.SetLabels(testRepo, 1); err != nil {
		t.Fatal(err)
	}
	got, err = f.gh.PullRequestLabels(ctx, testRepo, 1)
	if err != nil || len(got) != 0 {
		t.Errorf("after removing labels: %v, %v", got, err)
	}
	_, err = f.gh.PullRequestLabels(ctx, testRepo, 99)
	if !github.IsNotFound(err) {
		t.Errorf("unknown PR: err = %v, want 404", err)
	}
}

func TestIssueCommentUpsertCycle(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	const marker = "<!-- verireel-preview-control -->"

	comments, err := f.gh.IssueComments(ctx, testRepo, 1)
	if err != nil || len(comments) != 0 {
		t.Fatalf("comments = %v, %v", comments, err)
	}
	created, err := f.gh.CreateIssueComment(ctx, testRepo, 1, marker+"\nPreview is waiting")
	if err != nil {
		t.Fatal(err)
	}
	want := github.Comment{
		ID: created.ID, Body: marker + "\nPreview is waiting", User: "launchplane-bot",
		HTMLURL:   "https://github.com/acme/shop/pull/1#issuecomment-" + strconv.FormatInt(created.ID, 10),
		CreatedAt: epoch, UpdatedAt: epoch,
	}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}

	f.clock.Advance(time.Minute)
	updated, err := f.gh.UpdateIssueComment(ctx, testRepo, created.ID, marker+"\nPreview is ready")
	if err != nil {
		t.Fatal(err)
	}
	if updated.ID != created.ID || updated.Body != marker+"\nPreview is ready" || !updated.UpdatedAt.Equal(epoch.Add(time.Minute)) {
		t.Errorf("updated = %+v", updated)
	}
	comments, err = f.gh.IssueComments(ctx, testRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != 1 || comments[0].ID != created.ID || !strings.Contains(comments[0].Body, "ready") {
		t.Errorf("comments = %+v", comments)
	}

	if err := f.gh.DeleteIssueComment(ctx, testRepo, created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.gh.UpdateIssueComment(ctx, testRepo, created.ID, "x"); !github.IsNotFound(err) {
		t.Errorf("update deleted comment: err = %v, want 404", err)
	}
	if err := f.gh.DeleteIssueComment(ctx, testRepo, created.ID); !github.IsNotFound(err) {
		t.Errorf("delete deleted comment: err = %v, want 404", err)
	}
	if _, err := f.gh.CreateIssueComment(ctx, testRepo, 42, "x"); !github.IsNotFound(err) {
		t.Errorf("comment on unknown issue: err = %v, want 404", err)
	}
	if _, err := f.gh.CreateIssueComment(ctx, testRepo, 1, ""); !github.IsValidation(err) {
		t.Errorf("empty comment: err = %v, want 422", err)
	}
}

func TestIssueCommentsReadsEveryPage(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	for i := range 230 {
		if _, err := f.gh.CreateIssueComment(ctx, testRepo, 1, "comment "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	before := len(f.requests())
	comments, err := f.gh.IssueComments(ctx, testRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(comments) != 230 || comments[0].Body != "comment 0" || comments[229].Body != "comment 229" {
		t.Fatalf("got %d comments", len(comments))
	}
	if n := len(f.requests()) - before; n != 3 {
		t.Errorf("%d page requests, want 3", n)
	}
}

func TestIssueCommentsRetriesAPageWithoutDuplicates(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	for i := range 150 {
		if _, err := f.gh.CreateIssueComment(ctx, testRepo, 1, "c"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	// Fail the first attempt at page 2 once page 1 has been answered.
	var armed bool
	c := newClientWithHook(t, f, func(req *http.Request, resp *http.Response) {
		if !armed && req.Method == http.MethodGet && resp.StatusCode == http.StatusOK {
			armed = true
			f.sim.FailNextRequests(1)
		}
	})
	before := len(f.requests())
	comments, err := c.IssueComments(ctx, testRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, cm := range comments {
		if seen[cm.ID] {
			t.Fatalf("comment %d listed twice", cm.ID)
		}
		seen[cm.ID] = true
	}
	if len(comments) != 150 {
		t.Errorf("got %d comments, want 150", len(comments))
	}
	var statuses []int
	for _, r := range f.sim.Requests()[before:] {
		statuses = append(statuses, r.Status)
	}
	if diff := cmp.Diff([]int{200, 502, 200}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestCreateIssue(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	got, err := f.gh.CreateIssue(ctx, testRepo, github.NewIssue{Title: "prod health failing", Body: "details", Labels: []string{"incident"}})
	if err != nil {
		t.Fatal(err)
	}
	want := github.Issue{
		ID: got.ID, Number: 2, Title: "prod health failing", Body: "details", State: "open",
		Labels: []string{"incident"}, HTMLURL: "https://github.com/acme/shop/issues/2", CreatedAt: epoch,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issue (-want +got):\n%s", diff)
	}
	if _, err := f.gh.CreateIssue(ctx, "acme/nope", github.NewIssue{Title: "x"}); !github.IsNotFound(err) {
		t.Errorf("unknown repo: err = %v", err)
	}
}

func TestWritesAreNeverRetried(t *testing.T) {
	ctx := context.Background()
	writes := map[string]func(*fixture) error{
		"create comment": func(f *fixture) error { _, err := f.gh.CreateIssueComment(ctx, testRepo, 1, "x"); return err },
		"update comment": func(f *fixture) error { _, err := f.gh.UpdateIssueComment(ctx, testRepo, 1, "x"); return err },
		"delete comment": func(f *fixture) error { return f.gh.DeleteIssueComment(ctx, testRepo, 1) },
		"create issue": func(f *fixture) error {
			_, err := f.gh.CreateIssue(ctx, testRepo, github.NewIssue{Title: "x"})
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, githubsim.Config{})
			f.sim.FailNextRequests(1)
			err := write(f)
			if !errors.Is(err, github.ErrTransient) {
				t.Fatalf("err = %v, want ErrTransient", err)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
