package github

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	gh "github.com/google/go-github/v75/github"
)

// Comment is an issue or pull-request comment.
type Comment struct {
	ID        int64
	Body      string
	User      string
	HTMLURL   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Issue is an issue (or pull request, which shares the issue numbers).
type Issue struct {
	ID        int64
	Number    int
	Title     string
	Body      string
	State     string
	Labels    []string
	HTMLURL   string
	CreatedAt time.Time
}

// NewIssue is the body of CreateIssue.
type NewIssue struct {
	Title  string
	Body   string
	Labels []string
}

// PullRequestLabels returns the label names on pull request (or issue)
// number, in GitHub's order.
func (c *Client) PullRequestLabels(ctx context.Context, repo string, number int) ([]string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, fmt.Errorf("list labels: %w", err)
	}
	if err := checkNumber("issue number", int64(number)); err != nil {
		return nil, fmt.Errorf("list labels: %w", err)
	}
	cl := call{http.MethodGet, "/repos/" + owner + "/" + name + "/issues/" + strconv.Itoa(number) + "/labels"}
	var names []string
	err = c.pages(ctx, cl, func(ctx context.Context, page int) (*gh.Response, error) {
		labels, resp, err := c.gh.Issues.ListLabelsByIssue(ctx, owner, name, number, &gh.ListOptions{PerPage: 100, Page: page})
		if err == nil {
			for _, l := range labels {
				names = append(names, l.GetName())
			}
		}
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}

// IssueComments returns every comment on issue or pull request number,
// oldest first. All pages are read, so a marker comment is found wherever
// it is; more than 3,000 comments is an error rather than a partial list.
func (c *Client) IssueComments(ctx context.Context, repo string, number int) ([]Comment, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	if err := checkNumber("issue number", int64(number)); err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	cl := call{http.MethodGet, "/repos/" + owner + "/" + name + "/issues/" + strconv.Itoa(number) + "/comments"}
	var out []Comment
	err = c.pages(ctx, cl, func(ctx context.Context, page int) (*gh.Response, error) {
		opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100, Page: page}}
		comments, resp, err := c.gh.Issues.ListComments(ctx, owner, name, number, opts)
		if err == nil {
			for _, cm := range comments {
				out = append(out, commentFrom(cm))
			}
		}
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateIssueComment adds a comment to issue or pull request number. It is
// never retried.
func (c *Client) CreateIssueComment(ctx context.Context, repo string, number int, body string) (Comment, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return Comment{}, fmt.Errorf("create comment: %w", err)
	}
	if err := checkNumber("issue number", int64(number)); err != nil {
		return Comment{}, fmt.Errorf("create comment: %w", err)
	}
	cl := call{http.MethodPost, "/repos/" + owner + "/" + name + "/issues/" + strconv.Itoa(number) + "/comments"}
	var out *gh.IssueComment
	err = c.write(ctx, cl, func(ctx context.Context) (*gh.Response, error) {
		var resp *gh.Response
		var err error
		out, resp, err = c.gh.Issues.CreateComment(ctx, owner, name, number, &gh.IssueComment{Body: gh.Ptr(body)})
		return resp, err
	})
	if err != nil {
		return Comment{}, err
	}
	return commentFrom(out), nil
}

// UpdateIssueComment replaces the body of comment commentID. It is never
// retried.
func (c *Client) UpdateIssueComment(ctx context.Context, repo string, commentID int64, body string) (Comment, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return Comment{}, fmt.Errorf("update comment: %w", err)
	}
	if err := checkNumber("comment id", commentID); err != nil {
		return Comment{}, fmt.Errorf("update comment: %w", err)
	}
	cl := call{http.MethodPatch, "/repos/" + owner + "/" + name + "/issues/comments/" + strconv.FormatInt(commentID, 10)}
	var out *gh.IssueComment
	err = c.write(ctx, cl, func(ctx context.Context) (*gh.Response, error) {
		var resp *gh.Response
		var err error
		out, resp, err = c.gh.Issues.EditComment(ctx, owner, name, commentID, &gh.IssueComment{Body: gh.Ptr(body)})
		return resp, err
	})
	if err != nil {
		return Comment{}, err
	}
	return commentFrom(out), nil
}

// DeleteIssueComment deletes comment commentID (a "cleared" preview
// feedback). It is never retried.
func (c *Client) DeleteIssueComment(ctx context.Context, repo string, commentID int64) error {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return fmt.Errorf("delete comment: %w", err)
	}
	if err := checkNumber("comment id", commentID); err != nil {
		return fmt.Errorf("delete comment: %w", err)
	}
	cl := call{http.MethodDelete, "/repos/" + owner + "/" + name + "/issues/comments/" + strconv.FormatInt(commentID, 10)}
	return c.write(ctx, cl, func(ctx context.Context) (*gh.Response, error) {
		return c.gh.Issues.DeleteComment(ctx, owner, name, commentID)
	})
}

// CreateIssue opens an issue. It is never retried.
func (c *Client) CreateIssue(ctx context.Context, repo string, in NewIssue) (Issue, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return Issue{}, fmt.Errorf("create issue: %w", err)
	}
	if in.Title == "" {
		return Issue{}, fmt.Errorf("create issue: %w: title is empty", ErrInvalidInput)
	}
	req := &gh.IssueRequest{Title: gh.Ptr(in.Title)}
	if in.Body != "" {
		req.Body = gh.Ptr(in.Body)
	}
	if len(in.Labels) > 0 {
		labels := append([]string(nil), in.Labels...)
		req.Labels = &labels
	}
	cl := call{http.MethodPost, "/repos/" + owner + "/" + name + "/issues"}
	var out *gh.Issue
	err = c.write(ctx, cl, func(ctx context.Context) (*gh.Response, error) {
		var resp *gh.Response
		var err error
		out, resp, err = c.gh.Issues.Create(ctx, owner, name, req)
		return resp, err
	})
	if err != nil {
		return Issue{}, err
	}
	return issueFrom(out), nil
}

// pages reads pages 1.. of a list (each read retried on its own) until
// GitHub's Link header names no next page.
func (c *Client) pages(ctx context.Context, cl call, fetch func(ctx context.Context, page int) (*gh.Response, error)) error {
	page := 1
	for n := 0; ; n++ {
		if n == maxPages {
			return fmt.Errorf("list %s: more than %d pages", cl.path, maxPages)
		}
		var next int
		err := c.read(ctx, cl, func(ctx context.Context) (*gh.Response, error) {
			resp, err := fetch(ctx, page)
			if resp != nil {
				next = resp.NextPage
			}
			return resp, err
		})
		if err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		page = next
	}
}

func commentFrom(cm *gh.IssueComment) Comment {
	return Comment{
		ID:        cm.GetID(),
		Body:      cm.GetBody(),
		User:      cm.GetUser().GetLogin(),
		HTMLURL:   cm.GetHTMLURL(),
		CreatedAt: cm.GetCreatedAt().UTC(),
		UpdatedAt: cm.GetUpdatedAt().UTC(),
	}
}

func issueFrom(is *gh.Issue) Issue {
	out := Issue{
		ID:        is.GetID(),
		Number:    is.GetNumber(),
		Title:     is.GetTitle(),
		Body:      is.GetBody(),
		State:     is.GetState(),
		HTMLURL:   is.GetHTMLURL(),
		CreatedAt: is.GetCreatedAt().UTC(),
	}
	for _, l := range is.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	return out
}
