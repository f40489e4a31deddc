// Package review runs review sessions: a group watches a world's stream or
// recording together, one driver pausing it for everyone at the same
// frame, annotators drawing notes on frames, notes raising tasks that a
// webhook announces, and every step landing in an event log.
//
// Service is the domain API (no HTTP): sessions, roles, shared playback
// state, annotations with their frame images, tasks, the event log and
// exports. Hub fans a session's changes out to its subscribers as JSON
// messages; the server mounts it on a websocket. Everything a session
// shares is kept in the store, so a reconnecting client, or a restarted
// server, resumes from it.
//
// Roles: the driver controls playback (pause, resume, seek) and may hand
// it over; annotators annotate and raise tasks; viewers watch. Whether a
// client follows the driver is the client's business; who the driver is,
// is shared.
package review
