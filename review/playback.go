package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"atelier/store"
)

// Role is what a member of a session may do.
type Role string

// Roles.
const (
	// RoleDriver controls playback and may hand it over; a session has at
	// most one. The driver may annotate too.
	RoleDriver Role = "driver"
	// RoleAnnotator annotates and raises tasks, but does not drive.
	RoleAnnotator Role = "annotator"
	// RoleViewer watches.
	RoleViewer Role = "viewer"
)

// valid reports whether r is a known role.
func (r Role) valid() bool { return r == RoleDriver || r == RoleAnnotator || r == RoleViewer }

// CanAnnotate reports whether the role may annotate and raise or change tasks.
func (r Role) CanAnnotate() bool { return r == RoleDriver || r == RoleAnnotator }

// Member is a user's role in a session.
type Member struct {
	User     string    `json:"user"`
	Role     Role      `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
}

// PlaybackState is what a session's members share: whether playback is
// paused and at which frame, who drives, who is a member. Every change has
// the next Version, so a client ignores a state not newer than its own.
//
// Paused: everyone holds the frame at MediaTime (seconds) / RTPTimestamp.
// Playing and Live: everyone follows the live stream. Playing and not
// Live: a recording plays from MediaTime, which it was at UpdatedAt.
type PlaybackState struct {
	Version      int64     `json:"version"`
	Paused       bool      `json:"paused"`
	Live         bool      `json:"live"`
	MediaTime    float64   `json:"mediaTime"`
	RTPTimestamp uint32    `json:"rtpTimestamp"`
	Driver       string    `json:"driver"`
	Members      []Member  `json:"members"`
	UpdatedAt    time.Time `json:"updatedAt"`
	UpdatedBy    string    `json:"updatedBy"`
}

// Role returns user's role, and false when user is not a member.
func (p PlaybackState) Role(user string) (Role, bool) {
	for _, m := range p.Members {
		if m.User == user {
			return m.Role, true
		}
	}
	return "", false
}

// Action is what a Command asks of playback.
type Action string

// Actions.
const (
	// ActionPause holds every member at the frame given by MediaTime and
	// RTPTimestamp.
	ActionPause Action = "pause"
	// ActionResume returns everyone to the live stream.
	ActionResume Action = "resume"
	// ActionSeek moves a recording to MediaTime (RTPTimestamp), paused or
	// playing as it was.
	ActionSeek Action = "seek"
	// ActionHandover makes member To the driver; the driver becomes an
	// annotator.
	ActionHandover Action = "handover"
)

// Command is a driver's playback command.
type Command struct {
	Action       Action  `json:"action"`
	MediaTime    float64 `json:"mediaTime,omitempty"`
	RTPTimestamp uint32  `json:"rtpTimestamp,omitempty"`
	To           string  `json:"to,omitempty"` // ActionHandover's new driver
	// IfVersion, when not 0, makes the command fail with ErrConflict
	// unless the state's version is IfVersion: the driver acted on what
	// it saw.
	IfVersion int64 `json:"ifVersion,omitempty"`
}

// check validates c before anything is read or written.
func (c Command) check() error {
	switch c.Action {
	case ActionPause, ActionSeek:
		return checkMediaTime("mediaTime", c.MediaTime)
	case ActionResume:
		return nil
	case ActionHandover:
		return checkName("to", c.To, true)
	}
	return invalid("action", "%q is not pause, resume, seek or handover", c.Action)
}

// change is a change of a session's state: fn edits next (a copy of the
// current state) and returns the event to log, or nil when nothing changes.
type change func(cur store.ReviewState, next *store.ReviewState) (*store.ReviewEvent, error)

// Join makes user a member of the session with role, or changes their
// role. Joining as driver takes the driver's seat if it is free
// (ErrConflict if someone else holds it: ask for a handover); the driver
// joining with another role gives the seat up. Joining again with the
// same role changes nothing, so a reconnecting client may join again.
func (s *Service) Join(ctx context.Context, id SessionID, user string, role Role) (PlaybackState, error) {
	if err := checkUser(user); err != nil {
		return PlaybackState{}, fmt.Errorf("join %s: %w", id, err)
	}
	if !role.valid() {
		return PlaybackState{}, fmt.Errorf("join %s: %w", id, invalid("role", "%q is not driver, annotator or viewer", role))
	}
	return s.updateState(ctx, id, user, func(cur store.ReviewState, next *store.ReviewState) (*store.ReviewEvent, error) {
		old, member := toPlayback(cur).Role(user)
		switch {
		case role == RoleDriver && cur.Driver != "" && cur.Driver != user:
			return nil, fmt.Errorf("%w: session %s is driven by %s: ask for a handover", ErrConflict, id, cur.Driver)
		case member && old == role:
			return nil, nil
		case role == RoleDriver:
			next.Driver = user
		case cur.Driver == user:
			next.Driver = ""
		}
		next.Members = setRole(cur.Members, user, role, s.now())
		return s.event(EventJoin, user, *next, map[string]string{"role": string(role)}), nil
	})
}

// Leave ends user's membership of the session; the driver leaving frees
// the seat. Leaving a session one is not a member of changes nothing.
func (s *Service) Leave(ctx context.Context, id SessionID, user string) (PlaybackState, error) {
	if err := checkUser(user); err != nil {
		return PlaybackState{}, fmt.Errorf("leave %s: %w", id, err)
	}
	return s.updateState(ctx, id, user, func(cur store.ReviewState, next *store.ReviewState) (*store.ReviewEvent, error) {
		if _, member := toPlayback(cur).Role(user); !member {
			return nil, nil
		}
		next.Members = slices.DeleteFunc(slices.Clone(cur.Members), func(m store.ReviewMember) bool { return m.User == user })
		if cur.Driver == user {
			next.Driver = ""
		}
		return s.event(EventLeave, user, *next, nil), nil
	})
}

// Control applies the driver's command to the session's playback and
// returns the new state. ErrForbidden unless user is the driver;
// ErrInvalid for a bad command, or a handover to someone not a member. A
// resume while live and playing changes nothing.
func (s *Service) Control(ctx context.Context, id SessionID, user string, c Command) (PlaybackState, error) {
	if err := errors.Join(checkUser(user), c.check()); err != nil {
		return PlaybackState{}, fmt.Errorf("%s %s: %w", c.Action, id, err)
	}
	return s.updateState(ctx, id, user, func(cur store.ReviewState, next *store.ReviewState) (*store.ReviewEvent, error) {
		if c.IfVersion != 0 && c.IfVersion != cur.Version {
			return nil, fmt.Errorf("%w: state is at version %d, not %d", ErrConflict, cur.Version, c.IfVersion)
		}
		if role, _ := toPlayback(cur).Role(user); role != RoleDriver || cur.Driver != user {
			return nil, fmt.Errorf("%w: %s is not the driver of session %s", ErrForbidden, user, id)
		}
		return s.control(c, user, cur, next)
	})
}

// control applies a checked command of the driver user.
func (s *Service) control(c Command, user string, cur store.ReviewState, next *store.ReviewState) (*store.ReviewEvent, error) {
	var detail map[string]string
	switch c.Action {
	case ActionPause:
		next.Paused, next.Live = true, false
		next.MediaTime, next.RTPTimestamp = duration(c.MediaTime), c.RTPTimestamp
	case ActionSeek:
		next.Live = false
		next.MediaTime, next.RTPTimestamp = duration(c.MediaTime), c.RTPTimestamp
	case ActionResume:
		if !cur.Paused && cur.Live {
			return nil, nil
		}
		next.Paused, next.Live = false, true
	case ActionHandover:
		if c.To == user {
			return nil, nil
		}
		if _, member := toPlayback(cur).Role(c.To); !member {
			return nil, invalid("to", "%s is not a member of the session", c.To)
		}
		now := s.now()
		next.Members = setRole(setRole(cur.Members, user, RoleAnnotator, now), c.To, RoleDriver, now)
		next.Driver, detail = c.To, map[string]string{"to": c.To}
	}
	return s.event(EventKind(c.Action), user, *next, detail), nil
}

// updateState reads the session's state, applies fn, and writes the next
// version with fn's event, trying again when another writer got there
// first. It publishes the new state and returns it.
func (s *Service) updateState(ctx context.Context, id SessionID, user string, fn change) (PlaybackState, error) {
	if err := s.open(); err != nil {
		return PlaybackState{}, err
	}
	for range updateAttempts {
		r, err := s.loadSession(ctx, id)
		if err != nil {
			return PlaybackState{}, err
		}
		next := r.State
		ev, err := fn(r.State, &next)
		if err != nil {
			return PlaybackState{}, err
		}
		if ev == nil {
			return toPlayback(r.State), nil
		}
		next.Version, next.UpdatedAt, next.UpdatedBy = r.State.Version+1, ev.At, user
		err = s.st.UpdateReviewState(ctx, id, next, *ev)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return PlaybackState{}, storeErr("update session "+string(id), err)
		}
		p := toPlayback(next)
		s.hub.publishState(id, p)
		return p, nil
	}
	return PlaybackState{}, fmt.Errorf("%w: session %s: other writers kept changing its state", ErrConflict, id)
}

// setRole returns members with user's role set (added at now if new).
func setRole(members []store.ReviewMember, user string, role Role, now time.Time) []store.ReviewMember {
	out := slices.Clone(members)
	for i := range out {
		if out[i].User == user {
			out[i].Role = string(role)
			return out
		}
	}
	return append(out, store.ReviewMember{User: user, Role: string(role), JoinedAt: now})
}

// event returns an event of kind by user at the state's media time.
func (s *Service) event(kind EventKind, user string, st store.ReviewState, detail map[string]string) *store.ReviewEvent {
	var b []byte
	if len(detail) > 0 {
		b, _ = json.Marshal(detail) // a map of strings always encodes
	}
	return &store.ReviewEvent{Kind: string(kind), User: user, At: s.now(), MediaTime: st.MediaTime, Detail: b}
}

// toPlayback converts a stored state.
func toPlayback(st store.ReviewState) PlaybackState {
	ms := make([]Member, len(st.Members))
	for i, m := range st.Members {
		ms[i] = Member{User: m.User, Role: Role(m.Role), JoinedAt: m.JoinedAt}
	}
	return PlaybackState{Version: st.Version, Paused: st.Paused, Live: st.Live, MediaTime: seconds(st.MediaTime),
		RTPTimestamp: st.RTPTimestamp, Driver: st.Driver, Members: ms, UpdatedAt: st.UpdatedAt, UpdatedBy: st.UpdatedBy}
}
