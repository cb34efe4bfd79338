package dokploysim

import (
	"encoding/json"
	"regexp"
	"strings"
)

// domain is a domain row (§4.5).
type domain struct {
	DomainID            string   `json:"domainId"`
	Host                string   `json:"host"`
	HTTPS               bool     `json:"https"`
	Port                *int     `json:"port"`
	Path                *string  `json:"path"`
	InternalPath        *string  `json:"internalPath"`
	StripPath           bool     `json:"stripPath"`
	ServiceName         *string  `json:"serviceName"`
	DomainType          *string  `json:"domainType"`
	UniqueConfigKey     int      `json:"uniqueConfigKey"`
	CreatedAt           string   `json:"createdAt"`
	ComposeID           *string  `json:"composeId"`
	ApplicationID       *string  `json:"applicationId"`
	PreviewDeploymentID *string  `json:"previewDeploymentId"`
	CertificateType     string   `json:"certificateType"`
	CustomCertResolver  *string  `json:"customCertResolver"`
	CustomEntrypoint    *string  `json:"customEntrypoint"`
	Middlewares         []string `json:"middlewares"`
	ForwardAuthEnabled  bool     `json:"forwardAuthEnabled"`
	Enabled             bool     `json:"enabled"`
}

// hostLabelRe is one RFC 1123 label.
var hostLabelRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// checkHost applies Dokploy's host rules (errata 3): present, no
// surrounding spaces, and a hostname only — no port, path, underscore or
// scheme. A leading "*." wildcard label is allowed.
func checkHost(v json.RawMessage) (string, string) {
	var h string
	if json.Unmarshal(v, &h) != nil {
		return "", ""
	}
	switch {
	case h == "":
		return "too_small", "Add a hostname"
	case h != strings.TrimSpace(h):
		return "custom", "Domain name cannot have leading or trailing spaces"
	}
	name := strings.TrimPrefix(h, "*.")
	if name == "localhost" {
		return "", ""
	}
	if len(name) > 253 || strings.HasSuffix(name, ".") {
		return "custom", "Invalid hostname"
	}
	for label := range strings.SplitSeq(name, ".") {
		if !hostLabelRe.MatchString(label) {
			return "custom", "Invalid hostname"
		}
	}
	return "", ""
}

// domainFields are the inputs domain.create and domain.update share.
func domainFields() []field {
	ns := func(name string) field { return field{name: name, kind: kString, nullable: true} }
	return []field{
		{name: "host", kind: kString, required: true, check: checkHost},
		{name: "path", kind: kString, nullable: true, check: minLength(1)},
		{name: "port", kind: kNumber, nullable: true, check: between(1, 65535, "Port must be at least 1", "Port must be 65535 or below")},
		{name: "https", kind: kBool},
		{name: "certificateType", kind: kString, check: oneOf("letsencrypt", "none", "custom")},
		ns("customCertResolver"),
		ns("serviceName"),
		{name: "domainType", kind: kString, nullable: true, check: oneOf("compose", "application", "preview")},
		ns("internalPath"),
		{name: "stripPath", kind: kBool},
		{name: "middlewares", kind: kAny, nullable: true},
		{name: "forwardAuthEnabled", kind: kBool},
		ns("customEntrypoint"),
	}
}

func (s *Sim) domainOf(id string) (*domain, *apiError) {
	for _, d := range s.domains {
		if d.DomainID == id {
			return d, nil
		}
	}
	return nil, notFound("Domain not found")
}

// domainCreate stores a domain. Dokploy wraps every failure past input
// validation as 400 with the underlying message (an unknown application
// answers 400 "Application not found", not 404).
func (s *Sim) domainCreate(in input) (any, *apiError) {
	d := &domain{
		DomainID:        s.newID("dom"),
		Port:            ptr(3000),
		Path:            ptr("/"),
		InternalPath:    ptr("/"),
		DomainType:      ptr("application"),
		CertificateType: "none",
		Middlewares:     []string{},
		Enabled:         true,
		CreatedAt:       s.stamp(s.cfg.Now()),
	}
	if id := in.optStr("applicationId"); id != nil {
		if _, err := s.app(*id); err != nil {
			return nil, newError("BAD_REQUEST", err.Message)
		}
		d.ApplicationID = id
	}
	if id := in.optStr("composeId"); id != nil {
		if _, err := s.composeTarget(*id); err != nil {
			return nil, newError("BAD_REQUEST", err.Message)
		}
		d.ComposeID = id
	}
	d.PreviewDeploymentID = in.optStr("previewDeploymentId")
	if err := applyDomain(d, in); err != nil {
		return nil, newError("BAD_REQUEST", err.Error())
	}
	s.domainSeq++
	d.UniqueConfigKey = s.domainSeq
	s.domains = append(s.domains, d)
	return d, nil
}

// domainUpdate overwrites the given columns; the owner ids are not part of
// its schema, so they are silently dropped.
func (s *Sim) domainUpdate(in input) (any, *apiError) {
	d, err := s.domainOf(in.str("domainId"))
	if err != nil {
		return nil, err
	}
	next := *d
	if e := applyDomain(&next, in); e != nil {
		return nil, newError("BAD_REQUEST", e.Error())
	}
	if raw, ok := in["enabled"]; ok {
		_ = json.Unmarshal(raw, &next.Enabled)
	}
	*d = next
	return d, nil
}

// applyDomain copies the shared create/update columns that are present.
func applyDomain(d *domain, in input) error {
	d.Host = strings.TrimSpace(in.str("host"))
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for _, f := range domainFields() {
		if v, ok := in[f.name]; ok && f.name != "host" {
			m[f.name] = v
		}
	}
	if b, err = json.Marshal(m); err != nil {
		return err
	}
	next := domain{}
	if err := json.Unmarshal(b, &next); err != nil {
		return err
	}
	if next.Middlewares == nil {
		next.Middlewares = []string{}
	}
	*d = next
	return nil
}

func (s *Sim) domainDelete(in input) (any, *apiError) {
	d, err := s.domainOf(in.str("domainId"))
	if err != nil {
		return nil, err
	}
	for i, x := range s.domains {
		if x == d {
			s.domains = append(s.domains[:i], s.domains[i+1:]...)
			break
		}
	}
	return d, nil
}

// domainsOf returns the domains of an application or compose id.
func (s *Sim) domainsOf(id string) []*domain {
	out := []*domain{}
	for _, d := range s.domains {
		if deref(d.ApplicationID) == id || deref(d.ComposeID) == id {
			out = append(out, d)
		}
	}
	return out
}

func (s *Sim) domainByApplicationID(in input) (any, *apiError) {
	t, err := s.app(in.str("applicationId"))
	if err != nil {
		return nil, err
	}
	rel := map[string]any{"applicationId": t.app.ApplicationID, "appName": t.app.AppName, "name": t.app.Name}
	return withRelation(s.domainsOf(t.id()), "application", rel), nil
}

func (s *Sim) domainByComposeID(in input) (any, *apiError) {
	t, err := s.composeTarget(in.str("composeId"))
	if err != nil {
		return nil, err
	}
	rel := map[string]any{"composeId": t.compose.ComposeID, "appName": t.compose.AppName, "name": t.compose.Name}
	return withRelation(s.domainsOf(t.id()), "compose", rel), nil
}

func withRelation(ds []*domain, key string, rel map[string]any) []map[string]any {
	out := []map[string]any{}
	for _, d := range ds {
		row, err := rowMap(d)
		if err != nil {
			continue
		}
		row[key] = rel
		out = append(out, row)
	}
	return out
}
