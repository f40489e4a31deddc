package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"atelier/store"
)

// Status is where a task stands.
type Status string

// Statuses.
const (
	StatusOpen       Status = "open"
	StatusInProgress Status = "in-progress"
	StatusDone       Status = "done"
)

func (s Status) valid() bool { return s == StatusOpen || s == StatusInProgress || s == StatusDone }

// Priority is how urgent a task is.
type Priority string

// Priorities.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

func (p Priority) valid() bool {
	return p == PriorityLow || p == PriorityNormal || p == PriorityHigh || p == PriorityUrgent
}

// Task is a piece of work raised in a session, linked to annotations.
type Task struct {
	ID          TaskID         `json:"id"`
	Session     SessionID      `json:"session"`
	Title       string         `json:"title"`
	Status      Status         `json:"status"`
	Assignee    string         `json:"assignee,omitempty"`
	Priority    Priority       `json:"priority"`
	World       store.WorldID  `json:"world,omitempty"`
	Nodes       []string       `json:"nodes,omitempty"`
	Annotations []AnnotationID `json:"annotations"`
	CreatedAt   time.Time      `json:"createdAt"`
	CreatedBy   string         `json:"createdBy"`
	UpdatedAt   time.Time      `json:"updatedAt"`
	UpdatedBy   string         `json:"updatedBy"`
	Version     int64          `json:"version"`
	// DeepLink opens the editor at the camera of the first linked
	// annotation that has one, with the task's first node (or else that
	// annotation's) selected; "" without a world.
	DeepLink string `json:"deepLink,omitempty"`
}

// TaskInput is a new task. Status defaults to open, Priority to normal,
// World to the session's (and must be it when the session has one).
type TaskInput struct {
	Title       string         `json:"title"`
	Status      Status         `json:"status,omitempty"`
	Assignee    string         `json:"assignee,omitempty"`
	Priority    Priority       `json:"priority,omitempty"`
	World       store.WorldID  `json:"world,omitempty"`
	Nodes       []string       `json:"nodes,omitempty"`
	Annotations []AnnotationID `json:"annotations,omitempty"`
}

// TaskPatch changes a task: nil fields stay as they are.
type TaskPatch struct {
	Title    *string   `json:"title,omitempty"`
	Status   *Status   `json:"status,omitempty"`
	Assignee *string   `json:"assignee,omitempty"`
	Priority *Priority `json:"priority,omitempty"`
	Nodes    *[]string `json:"nodes,omitempty"`
	// Link adds links to annotations of the task's session.
	Link []AnnotationID `json:"link,omitempty"`
	// IfVersion, when not 0, makes the update fail with ErrConflict unless
	// the task is at that version.
	IfVersion int64 `json:"ifVersion,omitempty"`
}

// TaskFilter selects tasks; empty fields match every task.
type TaskFilter struct {
	Session  SessionID     `json:"session,omitempty"`
	World    store.WorldID `json:"world,omitempty"`
	Status   Status        `json:"status,omitempty"`
	Assignee string        `json:"assignee,omitempty"`
	// Scope keeps only the tasks of the sessions about some worlds: a
	// caller's visibility when it may see only some worlds.
	Scope store.WorldScope `json:"-"`
}

// check validates in before anything is read, and returns it with its
// defaults.
func (in TaskInput) check() (TaskInput, error) {
	in.Status, in.Priority = cmpOr(in.Status, StatusOpen), cmpOr(in.Priority, PriorityNormal)
	p := TaskPatch{Title: &in.Title, Status: &in.Status, Assignee: &in.Assignee, Priority: &in.Priority,
		Nodes: &in.Nodes, Link: in.Annotations}
	if err := p.check(); err != nil {
		return in, err
	}
	return in, checkName("world", string(in.World), false)
}

// check validates p before anything is read.
func (p TaskPatch) check() error {
	var errs []error
	if p.Title != nil {
		errs = append(errs, checkString("title", *p.Title, MaxTitle, false))
		if *p.Title == "" {
			errs = append(errs, invalid("title", "is empty"))
		}
	}
	if p.Status != nil && !p.Status.valid() {
		errs = append(errs, invalid("status", "%q is not open, in-progress or done", *p.Status))
	}
	if p.Priority != nil && !p.Priority.valid() {
		errs = append(errs, invalid("priority", "%q is not low, normal, high or urgent", *p.Priority))
	}
	if p.Assignee != nil {
		errs = append(errs, checkName("assignee", *p.Assignee, false))
	}
	if p.Nodes != nil {
		errs = append(errs, checkNodes("nodes", *p.Nodes))
	}
	if len(p.Link) > MaxLinks {
		errs = append(errs, invalid("annotations", "%d links, the limit is %d", len(p.Link), MaxLinks))
	}
	for i, a := range p.Link {
		if err := checkName(fmt.Sprintf("annotations[%d]", i), string(a), true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func cmpOr[T comparable](v, dflt T) T {
	var zero T
	if v == zero {
		return dflt
	}
	return v
}

// CreateTask creates a task in session id by user, who must be the driver
// or an annotator (ErrForbidden), linked to annotations of the session
// (ErrInvalid for others), and announces it.
func (s *Service) CreateTask(ctx context.Context, id SessionID, user string, in TaskInput) (Task, error) {
	if err := s.open(); err != nil {
		return Task{}, err
	}
	in, err := in.check()
	if err = errors.Join(checkUser(user), err); err != nil {
		return Task{}, fmt.Errorf("create task in %s: %w", id, err)
	}
	r, err := s.loadSession(ctx, id)
	if err != nil {
		return Task{}, err
	}
	if err := mayAnnotate(r, user); err != nil {
		return Task{}, fmt.Errorf("create task: %w", err)
	}
	t, err := s.newTask(ctx, r, user, in)
	if err != nil {
		return Task{}, fmt.Errorf("create task in %s: %w", id, err)
	}
	if err := s.st.CreateTask(ctx, t, *s.taskEvent(user, t, r.State.MediaTime)); err != nil {
		return Task{}, storeErr("create task in "+string(id), err)
	}
	return s.taskChanged(ctx, t, true)
}

// newTask makes the stored task of a checked input in session r, linked
// to extra (an annotation being created) and then in.Annotations.
func (s *Service) newTask(ctx context.Context, r store.Review, user string, in TaskInput, extra ...AnnotationID) (store.Task, error) {
	w, err := s.worldOf(ctx, r, in.World)
	if err != nil {
		return store.Task{}, err
	}
	if err := s.checkLinks(ctx, r.ID, in.Annotations); err != nil {
		return store.Task{}, err
	}
	now := s.now()
	return store.Task{ID: TaskID(newID()), Review: r.ID, Title: in.Title, Status: string(in.Status),
		Assignee: in.Assignee, Priority: string(in.Priority), World: w, Nodes: in.Nodes,
		Annotations: dedup(append(slices.Clone(extra), in.Annotations...)),
		CreatedAt:   now, CreatedBy: user, UpdatedAt: now, UpdatedBy: user, Version: 1}, nil
}

// checkLinks returns ErrInvalid unless every annotation is of session id.
func (s *Service) checkLinks(ctx context.Context, id SessionID, links []AnnotationID) error {
	for _, a := range links {
		got, err := s.st.GetAnnotation(ctx, a)
		if errors.Is(err, store.ErrNotFound) || (err == nil && got.Review != id) {
			return invalid("annotations", "%s is not an annotation of session %s", a, id)
		}
		if err != nil {
			return storeErr("annotation "+string(a), err)
		}
	}
	return nil
}

// attach returns the next version of task tid of session r with
// annotation a linked, by user.
func (s *Service) attach(ctx context.Context, r store.Review, user string, tid TaskID, a AnnotationID) (store.Task, error) {
	t, err := s.st.GetTask(ctx, tid)
	if err != nil {
		return t, storeErr("attach to task "+string(tid), err)
	}
	if t.Review != r.ID {
		return t, invalid("attachTo", "task %s is not of session %s", tid, r.ID)
	}
	t.Annotations = append(t.Annotations, a)
	t.Version, t.UpdatedAt, t.UpdatedBy = t.Version+1, s.now(), user
	return t, nil
}

// taskEvent returns the event logging a task's creation or update.
func (s *Service) taskEvent(user string, t store.Task, media time.Duration) *store.ReviewEvent {
	change := "updated"
	if t.Version == 1 {
		change = "created"
	}
	ev := s.event(EventTask, user, store.ReviewState{MediaTime: media},
		map[string]string{"task": string(t.ID), "change": change, "status": t.Status})
	return ev
}

func dedup[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	return slices.DeleteFunc(xs, func(x T) bool {
		dup := seen[x]
		seen[x] = true
		return dup
	})
}
