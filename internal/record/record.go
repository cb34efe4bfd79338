// Package record defines Launchplane's evidence records: their upstream JSON
// shapes, strict decoding, defaults and invariants. It does no I/O.
//
// Every Decode* function rejects unknown fields, applies upstream defaults,
// trims required strings and checks every invariant, returning an error that
// wraps ErrInvalid and names each offending field.
package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
)

// ErrInvalid marks input that breaks a record's schema or invariants.
var ErrInvalid = errors.New("invalid record")

// FieldProblem is one reason a record was refused, tied to a JSON field path.
type FieldProblem struct {
	Field   string
	Message string
	// Public, when set, is the path to show untrusted callers: Field
	// stripped of keys the caller chose (see FieldList).
	Public string
}

// ValidationError lists every problem found in one record.
type ValidationError struct {
	Record   string
	Problems []FieldProblem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return "invalid " + e.Record + ": " + strings.Join(parts, "; ")
}

// FieldList names the offending fields, comma-separated, without the
// messages (which may quote input values) and without keys the caller
// chose (which could hold anything, a pasted secret included). The HTTP
// API returns only this.
func (e *ValidationError) FieldList() string {
	fields := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		name := p.Field
		if p.Public != "" {
			name = p.Public
		}
		if !slices.Contains(fields, name) {
			fields = append(fields, name)
		}
	}
	return strings.Join(fields, ", ")
}

// Is reports whether target is ErrInvalid, so callers can classify the error.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// checker accumulates field problems while a record is normalized.
type checker struct {
	record   string
	problems []FieldProblem
}

func newChecker(record string) *checker { return &checker{record: record} }

// addPublic records a problem whose path contains caller-chosen keys;
// public is the path without them.
func (c *checker) addPublic(field, public, format string, args ...any) {
	c.problems = append(c.problems, FieldProblem{Field: field, Message: fmt.Sprintf(format, args...), Public: public})
}

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// required trims *s in place and reports it when empty.
func (c *checker) required(field string, s *string) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		c.add(field, "is required and must not be blank")
	}
}

func (c *checker) oneOf(field, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		c.add(field, "must be one of %s (got %q)", strings.Join(allowed, ", "), value)
	}
}

func (c *checker) schemaVersion(field string, v int) {
	if v < 1 {
		c.add(field, "must be at least 1 (got %d)", v)
	}
}

// timestamp checks that a non-empty value parses; required adds emptiness.
func (c *checker) timestamp(field string, s *string, required bool) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		if required {
			c.add(field, "is required and must not be blank")
		}
		return
	}
	if _, err := ParseTime(*s); err != nil {
		c.add(field, "must be an RFC 3339 timestamp (got %q)", *s)
	}
}

func (c *checker) stringMap(field string, m map[string]string) {
	for k := range m {
		if strings.TrimSpace(k) == "" {
			c.add(field, "keys must not be blank")
			return
		}
	}
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &ValidationError{Record: c.record, Problems: c.problems}
}

// decodeStrict decodes exactly one JSON value into v, rejecting unknown
// fields and trailing data. Errors wrap ErrInvalid and name the field.
func decodeStrict(record string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(record, reflect.TypeOf(v).Elem(), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &ValidationError{Record: record, Problems: []FieldProblem{{Field: "(body)", Message: "must hold exactly one JSON value"}}}
	}
	return nil
}

func decodeError(record string, t reflect.Type, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return err
	}
	problem := FieldProblem{Field: "(body)", Message: "is not valid JSON"}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		problem = FieldProblem{Field: field, Message: "must be a JSON " + jsonKind(typeErr.Type.Kind().String()) + " (got " + typeErr.Value + ")", Public: publicPath(t, field)}
	case errors.As(err, &syntaxErr):
		problem.Message = fmt.Sprintf("is not valid JSON (offset %d)", syntaxErr.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		problem.Message = "is empty or truncated"
	}
	return &ValidationError{Record: record, Problems: []FieldProblem{problem}}
}

// publicPath keeps the leading segments of a dotted field path that name
// schema fields of t, dropping everything from the first map key on.
func publicPath(t reflect.Type, field string) string {
	var kept []string
	for _, seg := range strings.Split(field, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			break
		}
		fields, _ := jsonFields(t)
		ft, ok := fields[seg]
		if !ok {
			break
		}
		kept = append(kept, seg)
		t = ft
	}
	if len(kept) == 0 {
		return "(body)"
	}
	return strings.Join(kept, ".")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int64", "int32", "float64":
		return "number"
	case "slice", "array":
		return "array"
	default:
		return "object"
	}
}

// TimeLayout is the layout Launchplane writes: UTC, second precision, Z.
const TimeLayout = "2006-01-02T15:04:05Z"

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// timeLayouts are the ISO 8601 forms ParseTime accepts after it has put a
// "T" between date and time: Python's isoformat and datetime.fromisoformat
// produce and accept all of them.
var timeLayouts = []string{
	time.RFC3339Nano,                     // 2026-04-16T08:10:00Z, +02:00, fractions
	"2006-01-02T15:04:05.999999999Z0700", // +0000
	"2006-01-02T15:04Z07:00",             // minute precision
	"2006-01-02T15:04:05.999999999",      // no zone: UTC
	"2006-01-02T15:04",                   // no zone, minute precision: UTC
}

// ParseTime accepts RFC 3339 and the other ISO 8601 forms Python writes:
// a space instead of "T", "+0000" offsets, minute precision, and no zone
// (read as UTC). Anything else is an error, so evidence times are never
// guessed.
func ParseTime(s string) (time.Time, error) {
	if strings.ContainsRune(s, ',') {
		return time.Time{}, fmt.Errorf("parse timestamp %q: fractional seconds take a dot", s)
	}
	// RFC 3339 allows lower-case t and z; Go's layouts do not.
	norm := strings.ToUpper(s)
	if len(norm) > 10 && norm[10] == ' ' {
		norm = norm[:10] + "T" + norm[11:]
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, norm); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("parse timestamp %q: not an ISO 8601 date and time", s)
}

// nonNil returns an empty slice for nil so records encode [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func trim(s string) string { return strings.TrimSpace(s) }

// checkKeys walks the JSON document against the Go type it will fill, before
// the typed decode. encoding/json matches keys case-insensitively and turns
// null into "leave the default"; upstream's schemas do neither, so this
// reports, with full paths, every key that names no field exactly and every
// null where the field is not nullable. Malformed JSON is left to the typed
// decode to report.
func checkKeys(record string, data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil
	}
	c := newChecker(record)
	walkKeys(c, "", "", doc, t)
	return c.err()
}

// Paths in the walks come in two forms: path names the exact spot, keys
// from the input included (for the CLI); public stops at the last field
// whose name the schema fixes, so the HTTP API can name a field without
// echoing a key a caller chose (which could be anything, even a secret).

// checkValue refuses values the two engines would store differently: NUL
// characters (Postgres rejects them in JSONB) and numbers in exponent or
// negative-zero form (JSONB rewrites them, which would break payload hashes
// and the immutability check). Records hold integers, so nothing valid is lost.
func checkValue(c *checker, path, public string, v any) {
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			c.addPublic(orBody(path), orBody(public), "must not contain NUL characters")
		}
	case json.Number:
		n := string(v)
		negativeZero := strings.HasPrefix(n, "-") && strings.Trim(n, "-0.") == ""
		if strings.ContainsAny(n, "eE") || negativeZero {
			c.addPublic(orBody(path), orBody(public), "numbers must be written without exponents or negative zero")
		}
	}
}

// walkValues applies checkValue to a subtree the schema does not describe
// (a json.RawMessage field); every key in it is caller-chosen.
func walkValues(c *checker, path, public string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, key := range sortedAnyKeys(v) {
			if strings.ContainsRune(key, 0) {
				c.addPublic(orBody(path), orBody(public), "keys must not contain NUL characters")
				continue
			}
			walkValues(c, join(path, key), public, v[key])
		}
	case []any:
		for i, item := range v {
			walkValues(c, fmt.Sprintf("%s[%d]", path, i), public, item)
		}
	default:
		checkValue(c, path, public, v)
	}
}

func orBody(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// walkKeys walks the document along the Go type it will fill.
func walkKeys(c *checker, path, public string, v any, t reflect.Type) {
	if t == rawMessageType {
		walkValues(c, path, public, v)
		return
	}
	if t.Kind() == reflect.Pointer {
		if v != nil {
			walkKeys(c, path, public, v, t.Elem())
		}
		return
	}
	if v == nil {
		if path != "" {
			c.addPublic(path, public, "must not be null")
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields, required := jsonFields(t)
		for _, name := range required {
			if _, ok := obj[name]; !ok {
				c.add(join(path, name), "is required")
			}
		}
		for _, key := range sortedAnyKeys(obj) {
			field, ok := fields[key]
			if !ok {
				c.addPublic(join(path, key), orBody(public)+" (unknown field)", "is not a known field")
				continue
			}
			walkKeys(c, join(path, key), join(public, key), obj[key], field)
		}
	case reflect.Map:
		if obj, ok := v.(map[string]any); ok {
			for _, key := range sortedAnyKeys(obj) {
				if strings.ContainsRune(key, 0) {
					c.addPublic(orBody(path), orBody(public), "keys must not contain NUL characters")
					continue
				}
				walkKeys(c, join(path, key), public, obj[key], t.Elem())
			}
		}
	case reflect.Slice:
		if list, ok := v.([]any); ok {
			for i, item := range list {
				walkKeys(c, fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s[%d]", public, i), item, t.Elem())
			}
		}
	default:
		checkValue(c, path, public, v)
	}
}

// jsonFields maps each JSON name of struct type t to its field type, and
// lists the names tagged `lp:"required"`: keys upstream requires to be
// present even when their value may be empty.
func jsonFields(t reflect.Type) (map[string]reflect.Type, []string) {
	fields := make(map[string]reflect.Type, t.NumField())
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
		if f.Tag.Get("lp") == "required" {
			required = append(required, name)
		}
	}
	return fields, required
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedAnyKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// stored is what every record type provides to the shared decoder.
type stored[T any] interface {
	*T
	kind() string
	setDefaults()
	Validate() error
}

// decode applies T's defaults, decodes data over them and validates. walk
// adds the exact-key and null checks that untrusted input needs.
func decode[T any, P stored[T]](data []byte, walk bool) (T, error) {
	var v T
	p := P(&v)
	p.setDefaults()
	if walk {
		if err := checkKeys(p.kind(), data, reflect.TypeFor[T]()); err != nil {
			return *new(T), err
		}
	}
	if err := decodeStrict(p.kind(), data, p); err != nil {
		return *new(T), err
	}
	if err := p.Validate(); err != nil {
		return *new(T), err
	}
	return v, nil
}

// DecodeStored decodes a record Launchplane itself stored: canonical JSON of
// a validated record. It skips the key walk input needs (encoding/json still
// refuses unknown fields) but validates again, so a corrupted row is an
// error, not a silently wrong record.
func DecodeStored[T any, P stored[T]](data []byte) (T, error) {
	return decode[T, P](data, false)
}

// DecodeStrict decodes data into v (a pointer to a struct that may hold
// defaults) with the same strictness as the record decoders: exact-case keys,
// no unknown fields, no nulls for non-nullable fields, one JSON value. It
// neither applies defaults nor validates; request envelopes use it.
func DecodeStrict(kind string, data []byte, v any) error {
	if err := checkKeys(kind, data, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	return decodeStrict(kind, data, v)
}
