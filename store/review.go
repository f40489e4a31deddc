package store

import (
	"context"
	"time"
)

// ReviewID identifies a review session: at least 128 random bits in
// URL-safe text.
type ReviewID string

// AnnotationID identifies an annotation of a review session.
type AnnotationID string

// TaskID identifies a task raised in a review session.
type TaskID string

// Review is a review session: its metadata and its shared playback state.
type Review struct {
	ID        ReviewID
	Title     string
	World     WorldID // the world under review; "" for none
	Build     string  // the build under review; "" for none
	CreatedAt time.Time
	CreatedBy string
	State     ReviewState
}

// ReviewState is a review session's shared playback state and its members.
// Every change of it has the next Version, so that writers racing over it
// are told apart (see UpdateReviewState).
type ReviewState struct {
	Version      int64
	Paused       bool
	Live         bool
	MediaTime    time.Duration // kept to the microsecond
	RTPTimestamp uint32
	Driver       string
	Members      []ReviewMember // in the order given; nil when none
	UpdatedAt    time.Time
	UpdatedBy    string
}

// ReviewMember is a user's role in a review session. The store does not
// read Role.
type ReviewMember struct {
	User     string
	Role     string
	JoinedAt time.Time
}

// ReviewEvent is an entry of a review session's event log. The store
// assigns Seq, increasing in the order events are stored; it does not read
// Kind or Detail.
type ReviewEvent struct {
	Seq       int64
	Review    ReviewID
	Kind      string
	User      string
	At        time.Time
	MediaTime time.Duration // kept to the microsecond
	Detail    []byte        // nil when empty
}

// Annotation is a note on a frame of a review session's stream. The store
// keeps Shape as opaque bytes.
type Annotation struct {
	ID           AnnotationID
	Review       ReviewID
	Author       string
	CreatedAt    time.Time
	MediaTime    time.Duration // kept to the microsecond
	RTPTimestamp uint32
	Shape        []byte
	Text         string
	Colour       string
	World        WorldID // "" for none
	Build        string
	Tick         int64
	Camera       []float64 // nil, or px, py, pz, qx, qy, qz, qw
	Nodes        []string  // nil when none
	// FrameType is the content type of the annotation's frame image, ""
	// while it has none. The store fills it on reads; writes ignore it.
	FrameType string
}

// Frame is the image of the frame an annotation was drawn on.
type Frame struct {
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// Task is a piece of work raised in a review session, linked to
// annotations. The store does not read Status or Priority.
type Task struct {
	ID       TaskID
	Review   ReviewID
	Title    string
	Status   string
	Assignee string
	Priority string
	World    WorldID  // "" for none
	Nodes    []string // nil when none
	// Annotations are the linked annotations of the task's review, in the
	// order they were linked; nil when none. Links are never removed.
	Annotations []AnnotationID
	CreatedAt   time.Time
	CreatedBy   string
	UpdatedAt   time.Time
	UpdatedBy   string
	Version     int64 // 1 when created, one more at every update
}

// WorldScope limits a listing to the reviews about some worlds: what a
// caller with access to only some worlds may see. The zero value limits
// nothing.
type WorldScope struct {
	// Limited keeps only the reviews about one of Worlds (none at all when
	// Worlds is empty; never a review without a world).
	Limited bool
	Worlds  []WorldID
}

// ReviewFilter selects review sessions.
type ReviewFilter struct {
	// Limit is the most to return; it must be positive.
	Limit int
	// Scope limits them to some worlds.
	Scope WorldScope
}

// TaskFilter selects tasks; an empty field matches every task.
type TaskFilter struct {
	Review   ReviewID
	World    WorldID
	Status   string
	Assignee string
	// Scope keeps only the tasks of the reviews in scope.
	Scope WorldScope
}

// NewAnnotation is an annotation to create together with what goes with it
// in the same transaction.
type NewAnnotation struct {
	Annotation
	// Frame is the frame's image; nil when it comes later (PutFrame).
	Frame *Frame
	// CreateTask is a task to create with the annotation among its
	// Annotations; nil for none.
	CreateTask *Task
	// UpdateTask is the next version of an existing task with the
	// annotation among its Annotations, written as UpdateTask does; nil for
	// none.
	UpdateTask *Task
	// Events are appended to the annotation's review's log.
	Events []ReviewEvent
}

// ReviewStore is the part of Store that keeps review sessions: their
// metadata and shared state, event log, annotations with their frame
// images, and tasks.
//
// Every write is one transaction and writes nothing when it returns an
// error. The events a write is given are appended to the event log of the
// review the write is about; an event naming another review is refused. A
// world named by a review, an annotation or a task must exist (ErrNotFound).
type ReviewStore interface {
	// CreateReview stores a new review session with its initial state.
	// ErrExists if the id is taken.
	CreateReview(ctx context.Context, r Review) error
	// GetReview returns a review session with its current state, or
	// ErrNotFound.
	GetReview(ctx context.Context, id ReviewID) (Review, error)
	// ListReviews returns the review sessions f selects, newest first.
	ListReviews(ctx context.Context, f ReviewFilter) ([]Review, error)
	// UpdateReviewState replaces a review session's state with st, whose
	// Version must be the stored one plus one (ErrConflict otherwise), and
	// appends events. ErrNotFound if the review is unknown.
	UpdateReviewState(ctx context.Context, id ReviewID, st ReviewState, events ...ReviewEvent) error
	// ReviewEvents returns a review session's event log, oldest first.
	// ErrNotFound if the review is unknown.
	ReviewEvents(ctx context.Context, id ReviewID) ([]ReviewEvent, error)

	// CreateAnnotation stores a new annotation and, in the same transaction,
	// its frame, the task it creates or the task update linking it, and
	// events. ErrExists if an id is taken; ErrNotFound if the review, a
	// world, an annotation linked or the task updated is unknown or of
	// another review; ErrConflict if the task update's Version is not the
	// stored one plus one.
	CreateAnnotation(ctx context.Context, a NewAnnotation) error
	// GetAnnotation returns an annotation, or ErrNotFound.
	GetAnnotation(ctx context.Context, id AnnotationID) (Annotation, error)
	// ListAnnotations returns a review session's annotations by media time,
	// then creation time, then id. ErrNotFound if the review is unknown.
	ListAnnotations(ctx context.Context, review ReviewID) ([]Annotation, error)
	// PutFrame stores an annotation's frame image. ErrExists if it has one
	// already; ErrNotFound if the annotation is unknown.
	PutFrame(ctx context.Context, id AnnotationID, f Frame) error
	// GetFrame returns an annotation's frame image, or ErrNotFound when the
	// annotation is unknown or has none.
	GetFrame(ctx context.Context, id AnnotationID) (Frame, error)

	// CreateTask stores a new task (Version 1) with its links to
	// annotations, and appends events. ErrExists if the id is taken;
	// ErrNotFound if the review, the world or an annotation is unknown or
	// an annotation is of another review.
	CreateTask(ctx context.Context, t Task, events ...ReviewEvent) error
	// UpdateTask replaces a task's fields with t's, whose Version must be
	// the stored one plus one (ErrConflict otherwise), links the
	// annotations of t.Annotations not linked yet, after those that are
	// (a link is never removed), and appends events. ErrNotFound if the
	// task, the world or an annotation is unknown or an annotation is of
	// another review. A task's Review, CreatedAt and CreatedBy never change.
	UpdateTask(ctx context.Context, t Task, events ...ReviewEvent) error
	// GetTask returns a task with its links, or ErrNotFound.
	GetTask(ctx context.Context, id TaskID) (Task, error)
	// ListTasks returns the tasks f selects with their links, oldest first.
	ListTasks(ctx context.Context, f TaskFilter) ([]Task, error)
}
