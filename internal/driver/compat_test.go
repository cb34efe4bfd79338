package driver

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

func TestCheckCompatible(t *testing.T) {
	tests := []struct {
		profile, route string
		want           error
	}{
		{"generic-web", "generic-web", nil},
		{"odoo", "odoo", nil},
		{"odoo", "generic-web", nil},     // based driver may use base routes
		{"verireel", "generic-web", nil}, // likewise
		{"generic-web", "odoo", ErrProductDriverMismatch},
		{"generic-web", "verireel", ErrProductDriverMismatch},
		{"odoo", "verireel", ErrProductDriverMismatch},
		{"verireel", "odoo", ErrProductDriverMismatch},
		{"", "generic-web", ErrProductDriverMismatch},
		{"unregistered", "generic-web", ErrProductDriverMismatch},
		{" odoo ", "generic-web", nil},
		{"generic-web", "unregistered", ErrUnknownDriver},
	}
	for _, tc := range tests {
		t.Run(tc.profile+"->"+tc.route, func(t *testing.T) {
			err := CheckCompatible(tc.profile, tc.route)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("CheckCompatible(%q, %q) = %v, want %v", tc.profile, tc.route, err, tc.want)
			}
		})
	}
	var mm *MismatchError
	if err := CheckCompatible("generic-web", "odoo"); !errors.As(err, &mm) ||
		err.Error() != "The product profile uses driver generic-web, which is neither odoo nor based on it." {
		t.Errorf("mismatch error = %v", err)
	}
}

func TestCheckLaneOwned(t *testing.T) {
	owned := [][2]string{{"cm", "testing"}, {"cm", "prod"}, {"cm-preview", ""}}
	tests := []struct {
		context, instance string
		ok                bool
	}{
		{"", "", true},
		{"cm", "", true},
		{"cm", "prod", true},
		{"", "testing", true},
		{"cm-preview", "", true},
		{"cm", "staging", false},
		{"opw", "prod", false},
		{"", "staging", false},
	}
	for _, tc := range tests {
		err := CheckLaneOwned("cm", owned, tc.context, tc.instance)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrProductDriverMismatch)) {
			t.Errorf("CheckLaneOwned(%q, %q) = %v, want ok=%v", tc.context, tc.instance, err, tc.ok)
		}
	}
	if err := CheckLaneOwned("cm", owned, "opw", "prod"); err.Error() != "Product cm does not own lane opw/prod." {
		t.Errorf("message = %q", err)
	}
}

func TestCheckProfileAndProfileFrom(t *testing.T) {
	p := record.ProductProfile{Product: "cm", DisplayName: "CM", DriverID: "odoo",
		Lanes:   []record.ProductLaneProfile{{Context: "cm", Instance: "testing"}, {Context: "cm", Instance: "prod"}},
		Preview: record.ProductPreviewProfile{Enabled: true, Context: "cm-preview"}}
	reg := Builtin()
	tests := []struct {
		route, context, instance string
		ok                       bool
	}{
		{"odoo", "cm", "prod", true},
		{"generic-web", "cm", "testing", true},
		{"generic-web", "cm-preview", "", true},
		{"verireel", "cm", "prod", false},
		{"odoo", "opw", "prod", false},
	}
	for _, tc := range tests {
		err := reg.CheckProfile(p, tc.route, tc.context, tc.instance)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrProductDriverMismatch)) {
			t.Errorf("CheckProfile(%s, %s/%s) = %v, want ok=%v", tc.route, tc.context, tc.instance, err, tc.ok)
		}
	}
	got := ProfileFrom(p)
	if diff := cmp.Diff(Profile{Product: "cm", DisplayName: "CM", DriverID: "odoo", Contexts: []string{"cm", "cm-preview"}}, got); diff != "" {
		t.Errorf("ProfileFrom (-want +got):\n%s", diff)
	}
	p.Preview.Enabled = false
	if got := ProfileFrom(p).Contexts; !cmp.Equal(got, []string{"cm"}) {
		t.Errorf("contexts without previews = %v", got)
	}
}
