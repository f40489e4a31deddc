package auth

import "atelier/store"

// Principal is an authenticated user and what they may do.
type Principal struct {
	// User is the user's name (the token's "sub").
	User string
	// Local is true for requests authenticated by local mode rather than a token.
	Local bool
	// Worlds holds the user's role in particular worlds.
	Worlds map[store.WorldID]Role
	// All is the user's role in every world, RoleNone if none.
	All Role
}

// Role returns the user's role in world w: the stronger of All and the
// world's own entry, RoleNone for no access.
func (p Principal) Role(w store.WorldID) Role {
	return p.All.Max(p.Worlds[w])
}
