package dokploy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Domain is a domain row (domain.byApplicationId, byComposeId, create).
type Domain struct {
	DomainID            string  `json:"domainId"`
	Host                string  `json:"host"`
	HTTPS               bool    `json:"https"`
	Port                *int    `json:"port"`
	Path                *string `json:"path"`
	InternalPath        *string `json:"internalPath"`
	StripPath           bool    `json:"stripPath"`
	ServiceName         *string `json:"serviceName"`
	DomainType          *string `json:"domainType"`
	CertificateType     string  `json:"certificateType"`
	CustomCertResolver  *string `json:"customCertResolver"`
	ApplicationID       *string `json:"applicationId"`
	ComposeID           *string `json:"composeId"`
	PreviewDeploymentID *string `json:"previewDeploymentId"`
	Enabled             *bool   `json:"enabled"`
	CreatedAt           string  `json:"createdAt"`
}

// CreateDomainInput is the input of domain.create. Exactly one of
// ApplicationID and ComposeID is set; a compose domain also names its
// ServiceName. Nil and empty fields are omitted and take Dokploy's
// defaults (port 3000, path "/", certificate "none", type "application").
type CreateDomainInput struct {
	Host            string  `json:"host"`
	Path            *string `json:"path,omitempty"`
	Port            *int    `json:"port,omitempty"`
	HTTPS           bool    `json:"https"`
	CertificateType string  `json:"certificateType,omitempty"`
	ApplicationID   string  `json:"applicationId,omitempty"`
	ComposeID       string  `json:"composeId,omitempty"`
	ServiceName     string  `json:"serviceName,omitempty"`
	DomainType      string  `json:"domainType,omitempty"`
}

// ApplicationDomains lists an application's domains (domain.byApplicationId).
func (c *Client) ApplicationDomains(ctx context.Context, applicationID string) ([]Domain, error) {
	if applicationID == "" {
		return nil, errors.New("list application domains: id is empty")
	}
	var ds []Domain
	if err := c.query(ctx, "domain.byApplicationId", url.Values{"applicationId": {applicationID}}, &ds); err != nil {
		return nil, fmt.Errorf("list application domains: %w", err)
	}
	return ds, nil
}

// ComposeDomains lists a compose's domains (domain.byComposeId). They take
// effect only at the compose's next deploy.
func (c *Client) ComposeDomains(ctx context.Context, composeID string) ([]Domain, error) {
	if composeID == "" {
		return nil, errors.New("list compose domains: id is empty")
	}
	var ds []Domain
	if err := c.query(ctx, "domain.byComposeId", url.Values{"composeId": {composeID}}, &ds); err != nil {
		return nil, fmt.Errorf("list compose domains: %w", err)
	}
	return ds, nil
}

// CreateDomain adds a domain and returns the stored row. Dokploy rejects a
// host with a port, an underscore or surrounding spaces (400); the client
// refuses those before sending.
func (c *Client) CreateDomain(ctx context.Context, in CreateDomainInput) (*Domain, error) {
	switch {
	case in.Host == "" || in.Host != strings.TrimSpace(in.Host) || strings.ContainsAny(in.Host, ":/_ "):
		return nil, errors.New("create domain: host must be a bare hostname (no scheme, port, path, underscore or spaces)")
	case (in.ApplicationID == "") == (in.ComposeID == ""):
		return nil, errors.New("create domain: exactly one of application id and compose id is required")
	}
	var d Domain
	if err := c.mutate(ctx, "domain.create", in, &d); err != nil {
		return nil, fmt.Errorf("create domain: %w", err)
	}
	if d.DomainID == "" {
		return nil, errors.New("create domain: response has no domainId")
	}
	return &d, nil
}

// DeleteDomain removes a domain (domain.delete); an unknown id is a
// NOT_FOUND error (IsNotFound).
func (c *Client) DeleteDomain(ctx context.Context, domainID string) error {
	if domainID == "" {
		return errors.New("delete domain: id is empty")
	}
	in := struct {
		DomainID string `json:"domainId"`
	}{domainID}
	if err := c.mutate(ctx, "domain.delete", in, nil); err != nil {
		return fmt.Errorf("delete domain: %w", err)
	}
	return nil
}
