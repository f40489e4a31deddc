package auth

import (
	"errors"
	"testing"

	"atelier/store"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Role
		ok   bool
	}{
		{"owner", RoleOwner, true},
		{"editor", RoleEditor, true},
		{"reviewer", RoleReviewer, true},
		{"viewer", RoleViewer, true},
		{"", RoleNone, false},
		{"Owner", RoleNone, false},
		{"admin", RoleNone, false},
		{" editor", RoleNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if got != tt.want || (err == nil) != tt.ok {
				t.Fatalf("ParseRole(%q) = %q, %v", tt.in, got, err)
			}
			if err != nil && !errors.Is(err, ErrBadRole) {
				t.Errorf("error %v does not wrap ErrBadRole", err)
			}
		})
	}
}

// TestRoleOrdering checks owner ⊃ editor ⊃ reviewer ⊃ viewer ⊃ none.
func TestRoleOrdering(t *testing.T) {
	tests := []struct {
		role                        Role
		view, annotate, edit, admin bool
	}{
		{RoleOwner, true, true, true, true},
		{RoleEditor, true, true, true, false},
		{RoleReviewer, true, true, false, false},
		{RoleViewer, true, false, false, false},
		{RoleNone, false, false, false, false},
		{"superuser", false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			r := tt.role
			if r.CanView() != tt.view || r.CanAnnotate() != tt.annotate || r.CanEdit() != tt.edit || r.CanAdmin() != tt.admin {
				t.Errorf("%q: view %v annotate %v edit %v admin %v", r, r.CanView(), r.CanAnnotate(), r.CanEdit(), r.CanAdmin())
			}
		})
	}
	order := []Role{RoleNone, RoleViewer, RoleReviewer, RoleEditor, RoleOwner}
	for i, lo := range order {
		for j, hi := range order {
			if got := hi.AtLeast(lo); got != (j >= i && lo != RoleNone) {
				t.Errorf("%q.AtLeast(%q) = %v", hi, lo, got)
			}
			if want := order[max(i, j)]; lo.Max(hi) != want {
				t.Errorf("%q.Max(%q) = %q, want %q", lo, hi, lo.Max(hi), want)
			}
		}
	}
}

func TestPrincipalRole(t *testing.T) {
	const other store.WorldID = "11111111-1111-4111-8111-111111111111"
	tests := []struct {
		name string
		p    Principal
		w    store.WorldID
		want Role
	}{
		{"world role", Principal{Worlds: map[store.WorldID]Role{world1: RoleEditor}}, world1, RoleEditor},
		{"other world", Principal{Worlds: map[store.WorldID]Role{world1: RoleEditor}}, other, RoleNone},
		{"all only", Principal{All: RoleViewer}, other, RoleViewer},
		{"world beats all", Principal{Worlds: map[store.WorldID]Role{world1: RoleOwner}, All: RoleViewer}, world1, RoleOwner},
		{"all beats world", Principal{Worlds: map[store.WorldID]Role{world1: RoleViewer}, All: RoleEditor}, world1, RoleEditor},
		{"nothing", Principal{}, world1, RoleNone},
		{"invalid stored role", Principal{Worlds: map[store.WorldID]Role{world1: "boss"}}, world1, RoleNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Role(tt.w); got != tt.want {
				t.Errorf("Role(%s) = %q, want %q", tt.w, got, tt.want)
			}
		})
	}
}

func TestValidWorldID(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{string(world1), true},
		{"0b6c2a52-3f1e-4c43-9d0a-6d1a2b3c4d5", false},
		{"0b6c2a52f3f1e-4c43-9d0a-6d1a2b3c4d5e", false},
		{"0B6C2A52-3F1E-4C43-9D0A-6D1A2B3C4D5E", false},
		{"0b6c2a52-3f1e-4c43-9d0a-6d1a2b3c4d5g", false},
		{"", false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := ValidWorldID(store.WorldID(tt.in)); got != tt.ok {
				t.Errorf("ValidWorldID(%q) = %v", tt.in, got)
			}
		})
	}
}
