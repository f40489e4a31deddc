// Package auth authenticates HTTP and WebSocket requests with bearer tokens
// and models what a user may do in a world.
//
// Tokens are JWTs (RFC 7519) signed with HMAC-SHA256 ("HS256", RFC 7518
// §3.2) under one server secret; every other algorithm, "none" included, is
// refused. Claims: "sub" (user), "worlds" ({worldId: role}), optional "all"
// (a role on every world), "exp", "iat", and "iss" = "atelier". A token comes
// in an "Authorization: Bearer" header or, for browsers opening WebSockets
// (which cannot set headers), a "token" query parameter.
//
// Local mode (a single user on their own machine) needs no token: every
// request is the owner of every world, named by the "user" query parameter.
package auth
