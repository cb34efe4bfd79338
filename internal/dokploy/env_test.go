package dokploy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEnv(t *testing.T) {
	got := ParseEnv("# comment\nA=1\n\nexport B = two=2\r\nA=3\nnovalue\n=x\n")
	want := map[string]string{"A": "3", "B": " two=2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseEnv (-want +got):\n%s", diff)
	}
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name string
		env  string
		set  map[string]string
		want string
	}{
		{"empty", "", map[string]string{"B": "2", "A": "1"}, "A=1\nB=2"},
		{"replace in place, keep the rest", "# keep\nX=old\nOTHER=1\n", map[string]string{"X": "new"}, "# keep\nX=new\nOTHER=1"},
		{"duplicates collapse", "X=1\nX=2\nY=3", map[string]string{"X": "9"}, "X=9\nY=3"},
		{"export form is rewritten plainly", "export X=1", map[string]string{"X": "2"}, "X=2"},
		{"nothing to set", "A=1\n\nB=2\n", nil, "A=1\n\nB=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, MergeEnv(tc.env, tc.set)); diff != "" {
				t.Errorf("MergeEnv (-want +got):\n%s", diff)
			}
		})
	}
}
