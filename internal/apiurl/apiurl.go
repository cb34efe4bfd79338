// Package apiurl validates the base URL of an HTTP API client (Dokploy,
// GitHub): an http(s) origin with a host and nothing that could carry or
// leak credentials.
package apiurl

import (
	"errors"
	"net/url"
)

// Parse checks raw as an API base URL: http or https, a host, no userinfo,
// query or fragment. Errors never echo raw (url.Parse's would, and the
// input may hold credentials).
func Parse(raw string) (*url.URL, error) {
	base, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("base URL is not a valid URL")
	}
	switch {
	case base.Scheme != "http" && base.Scheme != "https":
		return nil, errors.New("base URL scheme must be http or https")
	case base.Host == "":
		return nil, errors.New("base URL has no host")
	case base.User != nil:
		return nil, errors.New("base URL must not contain credentials")
	case base.RawQuery != "" || base.ForceQuery || base.Fragment != "":
		return nil, errors.New("base URL must not contain a query or fragment")
	}
	return base, nil
}
