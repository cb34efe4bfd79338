package dokploy

import (
	"context"
	"fmt"
)

// Session is the answer of user.session; Launchplane reads the user id.
type Session struct {
	User struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"user"`
	Session struct {
		ActiveOrganizationID string `json:"activeOrganizationId"`
	} `json:"session"`
}

// Project is one entry of project.all.
type Project struct {
	ProjectID      string        `json:"projectId"`
	Name           string        `json:"name"`
	Description    string        `json:"description"`
	CreatedAt      string        `json:"createdAt"`
	OrganizationID string        `json:"organizationId"`
	Env            string        `json:"env"`
	Environments   []Environment `json:"environments"`
}

// Environment is a project environment as embedded in project.all.
type Environment struct {
	EnvironmentID string           `json:"environmentId"`
	Name          string           `json:"name"`
	IsDefault     bool             `json:"isDefault"`
	Applications  []ApplicationRef `json:"applications"`
	Compose       []ComposeRef     `json:"compose"`
}

// ApplicationRef is the trimmed application embedded in project.all (v0.30).
type ApplicationRef struct {
	ApplicationID     string `json:"applicationId"`
	Name              string `json:"name"`
	ApplicationStatus string `json:"applicationStatus"`
}

// ComposeRef is the trimmed compose embedded in project.all (v0.30).
type ComposeRef struct {
	ComposeID     string `json:"composeId"`
	Name          string `json:"name"`
	ComposeStatus string `json:"composeStatus"`
}

// Session returns the identity behind the API key; it is the cheapest check
// that the key works.
func (c *Client) Session(ctx context.Context) (*Session, error) {
	var s Session
	if err := c.query(ctx, "user.session", nil, &s); err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	return &s, nil
}

// Projects returns every project visible to the key, with environments and
// their trimmed application and compose entries.
func (c *Client) Projects(ctx context.Context) ([]Project, error) {
	var ps []Project
	if err := c.query(ctx, "project.all", nil, &ps); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return ps, nil
}
