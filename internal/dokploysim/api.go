package dokploysim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBody mirrors Next's default body-parser limit.
const maxBody = 1 << 20

type kind int

const (
	kString kind = iota
	kBool
	kNumber
	kAny
)

func (k kind) String() string {
	return [...]string{"string", "boolean", "number", "any"}[k]
}

// field is one input key of a procedure's zod schema.
type field struct {
	name     string
	kind     kind
	required bool // the key must be present
	nullable bool
	// nonoptional marks keys Dokploy declares with .required(), whose
	// missing-key message differs (errata 4).
	nonoptional bool
	// check, when set, refines a present non-null value of the right type
	// (a regex, a range, a length, an enum); it returns the zod issue code
	// and message, or "" when the value passes.
	check func(v json.RawMessage) (code, message string)
}

// input is a procedure's validated input: known keys only, raw JSON values.
type input map[string]json.RawMessage

func (in input) str(key string) string {
	var v string
	_ = json.Unmarshal(in[key], &v)
	return v
}

func (in input) optStr(key string) *string {
	raw, ok := in[key]
	if !ok {
		return nil
	}
	var v *string
	_ = json.Unmarshal(raw, &v)
	return v
}

// emptyBody is the result of a procedure that returns nothing: 200, no body.
type emptyBody struct{}

type procedure struct {
	name     string
	mutation bool
	fields   []field
	// columns, when set, also admits any column of the row type, as
	// Dokploy's update procedures do.
	columns map[string]bool
	handle  func(in input) (any, *apiError)
}

func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	ct := r.Header.Get("Content-Type")
	isJSON := strings.HasPrefix(ct, "application/json")
	// Next's body parser rejects malformed JSON before Dokploy's handler,
	// and so before the auth gate (errata 7).
	if r.Method == http.MethodPost && isJSON && len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("Invalid JSON"))
		return
	}

	s.lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, RequestRecord{Method: r.Method, Path: r.URL.Path})

	if s.fail5xx > 0 {
		s.fail5xx--
		writeError(w, newError("INTERNAL_SERVER_ERROR", "Internal server error"))
		return
	}
	if key := r.Header.Get("x-api-key"); s.revoked || key == "" || key != s.cfg.APIKey {
		writeUnauthorized(w)
		return
	}
	p := s.procs[strings.ToLower(strings.TrimPrefix(r.URL.Path, "/api/"))]
	wantMethod := http.MethodGet
	if p != nil && p.mutation {
		wantMethod = http.MethodPost
	}
	if p == nil || r.Method != wantMethod {
		writeError(w, notFound("Not found"))
		return
	}
	// The adapter's check is a case-sensitive prefix match, and it lets
	// multipart through to fail validation instead (errata 8).
	if p.mutation && !isJSON && !strings.HasPrefix(ct, "multipart/form-data") {
		e := newError("UNSUPPORTED_MEDIA_TYPE", fmt.Sprintf("Unsupported content-type %q", ct))
		e.Data.Path = p.name
		writeError(w, e)
		return
	}

	raw := map[string]json.RawMessage{}
	if p.mutation {
		if isJSON && len(bytes.TrimSpace(body)) > 0 {
			// A non-object body leaves raw empty and fails validation.
			_ = json.Unmarshal(body, &raw)
		}
	} else {
		raw = coerceQuery(p, r)
	}
	in, apiErr := p.validate(raw)
	if apiErr == nil {
		var out any
		out, apiErr = p.handle(in)
		if d, ok := out.(deferred); ok && apiErr == nil {
			// A synchronous job: wait without the lock, render with it.
			s.mu.Unlock()
			out, apiErr = d(r.Context())
			s.mu.Lock()
			if _, ok := out.(abortConn); ok {
				panic(http.ErrAbortHandler)
			}
		}
		if apiErr == nil {
			if _, ok := out.(emptyBody); ok {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusOK)
				return
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	apiErr.Data.Path = p.name
	writeError(w, apiErr)
}

// coerceQuery turns query-string values into JSON values of the schema's
// types, as zod's coercion does; unknown keys are dropped later.
func coerceQuery(p *procedure, r *http.Request) map[string]json.RawMessage {
	raw := map[string]json.RawMessage{}
	q := r.URL.Query()
	for _, f := range p.fields {
		if !q.Has(f.name) {
			continue
		}
		v := q.Get(f.name)
		switch f.kind {
		case kNumber:
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				raw[f.name] = json.RawMessage(v)
				continue
			}
		case kBool:
			if v == "true" || v == "false" {
				raw[f.name] = json.RawMessage(v)
				continue
			}
		}
		b, _ := json.Marshal(v)
		raw[f.name] = b
	}
	return raw
}

func (p *procedure) validate(raw map[string]json.RawMessage) (input, *apiError) {
	in := input{}
	var issues []zodIssue
	for _, f := range p.fields {
		v, ok := raw[f.name]
		if !ok {
			if f.required {
				expected := f.kind.String()
				if f.nonoptional {
					expected = "nonoptional"
				}
				issues = append(issues, zodIssue{
					Code: "invalid_type", Expected: expected, Path: []string{f.name},
					Message: fmt.Sprintf("Invalid input: expected %s, received undefined", expected),
				})
			}
			continue
		}
		if got := jsonKind(v); got != f.kind.String() && f.kind != kAny && !(got == "null" && f.nullable) {
			issues = append(issues, zodIssue{
				Code: "invalid_type", Expected: f.kind.String(), Path: []string{f.name},
				Message: fmt.Sprintf("Invalid input: expected %s, received %s", f.kind, got),
			})
			continue
		}
		if f.check != nil && jsonKind(v) != "null" {
			if code, msg := f.check(v); msg != "" {
				issues = append(issues, zodIssue{Code: code, Expected: f.kind.String(), Path: []string{f.name}, Message: msg})
				continue
			}
		}
		in[f.name] = v
	}
	for k, v := range raw {
		if p.columns[k] {
			if _, seen := in[k]; !seen {
				in[k] = v
			}
		}
	}
	if len(issues) > 0 {
		return nil, validationError(issues)
	}
	return in, nil
}

func jsonKind(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "undefined"
	}
	switch t[0] {
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "number"
}
