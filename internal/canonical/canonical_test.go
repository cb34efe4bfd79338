package canonical

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONMatchesNormalize(t *testing.T) {
	type inner struct {
		Zeta  string            `json:"zeta"`
		Alpha []any             `json:"alpha"`
		Map   map[string]string `json:"map"`
	}
	values := []any{
		nil, true, 1.5e300, -0.0, "plain", `<tag> & "quote" \ é ✓ ` + "\u2028\x01",
		[]any{}, map[string]any{},
		map[string]any{"b": 1, "a": map[string]any{"y": []any{map[string]any{"d": 1, "c": 2}}, "x": nil}},
		map[string]any{"é": 1, "e": 2, "\"q": 3, "a\\b": 4, "<": 5, "Z": 6},
		inner{Zeta: "z", Alpha: []any{1, "2", []any{3}}, Map: map[string]string{"b": "1", "a": "2"}},
		struct {
			B json.RawMessage `json:"b"`
			A int             `json:"a"`
		}{B: json.RawMessage(`{"y": [1, {"k":2, "j":1}], "x":"\u00e9"}`), A: 1},
	}
	for _, v := range values {
		got, err := JSON(v)
		if err != nil {
			t.Fatalf("JSON(%#v): %v", v, err)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Normalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("JSON(%#v) differs from Normalize (-want +got):\n%s", v, diff)
		}
	}
}

func FuzzJSONMatchesNormalize(f *testing.F) {
	f.Add(`{"b":{"d":[1,{"f":2,"e":3}],"c":"<&>"},"a":null}`)
	f.Add(`[{"\u00e9":1,"e":2},"x",1e5]`)
	f.Fuzz(func(t *testing.T, doc string) {
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		got, err := JSON(v)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(v)
		want, err := Normalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("JSON %s != Normalize %s", got, want)
		}
	})
}
