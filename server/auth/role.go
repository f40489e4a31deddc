package auth

import "fmt"

// Role is what a user may do in a world. Each role includes the ones below
// it: owner ⊃ editor ⊃ reviewer ⊃ viewer. The empty Role means no access.
type Role string

// The roles, strongest first.
const (
	// RoleOwner may do anything, including managing the world and its members.
	RoleOwner Role = "owner"
	// RoleEditor may change the world's documents.
	RoleEditor Role = "editor"
	// RoleReviewer may view and annotate (comments, tasks, review sessions).
	RoleReviewer Role = "reviewer"
	// RoleViewer may only view.
	RoleViewer Role = "viewer"
	// RoleNone is no access.
	RoleNone Role = ""
)

// rank orders the roles; 0 is no access (or an invalid role).
func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleEditor:
		return 3
	case RoleReviewer:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// ParseRole returns the Role named s, or an error wrapping ErrBadRole. The
// empty string is not a role.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r.rank() == 0 {
		return RoleNone, fmt.Errorf("%w: %q (want owner, editor, reviewer or viewer)", ErrBadRole, s)
	}
	return r, nil
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r includes min. Nothing includes an invalid role.
func (r Role) AtLeast(min Role) bool { return min.Valid() && r.rank() >= min.rank() }

// CanView reports whether r may read the world: any role.
func (r Role) CanView() bool { return r.AtLeast(RoleViewer) }

// CanAnnotate reports whether r may comment and review: reviewer and up.
func (r Role) CanAnnotate() bool { return r.AtLeast(RoleReviewer) }

// CanEdit reports whether r may change documents: editor and up.
func (r Role) CanEdit() bool { return r.AtLeast(RoleEditor) }

// CanAdmin reports whether r may manage the world: owner only.
func (r Role) CanAdmin() bool { return r.AtLeast(RoleOwner) }

// Max returns the stronger of r and o.
func (r Role) Max(o Role) Role {
	if o.rank() > r.rank() {
		return o
	}
	if r.Valid() {
		return r
	}
	return RoleNone
}
