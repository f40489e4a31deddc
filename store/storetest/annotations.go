package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"atelier/store"
)

// isConflict reports whether err is ErrConflict.
func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// newAnnotation returns an annotation of review r at media time seconds,
// with a camera and nodes when world is set.
func newAnnotation(r store.Review, seconds float64) store.Annotation {
	a := store.Annotation{
		ID: store.AnnotationID("an" + randomHex(16)), Review: r.ID, Author: "ada",
		CreatedAt: t0.Add(time.Minute), MediaTime: time.Duration(seconds * float64(time.Second)),
		RTPTimestamp: uint32(seconds * 90000), Shape: []byte(`{"kind":"arrow","points":[[0.1,0.2],[0.3,0.4]]}`),
		Text: "the lamp flickers — here", Colour: "#ff8800", Build: "build 42", Tick: 1200,
	}
	if r.World != "" {
		a.World, a.Camera, a.Nodes = r.World, []float64{1.5, -2, 3e-7, 0, 0.7071, 0, 0.7071}, []string{"node-a", "node-b"}
	}
	return a
}

// wantAnnotation is a as the store returns it.
func wantAnnotation(a store.Annotation, frameType string) store.Annotation {
	a.CreatedAt, a.MediaTime, a.FrameType = instant(a.CreatedAt), a.MediaTime.Truncate(time.Microsecond), frameType
	a.Shape, a.Camera, a.Nodes = nilIfEmpty(a.Shape), nilIfEmpty(a.Camera), nilIfEmpty(a.Nodes)
	return a
}

func checkAnnotations(t testing.TB, got, want []store.Annotation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d annotations, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("annotation %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func mustGetAnnotation(t testing.TB, s store.Store, id store.AnnotationID) store.Annotation {
	t.Helper()
	a, err := s.GetAnnotation(context.Background(), id)
	checkErr(t, err, nil)
	return a
}

func testAnnotations(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, _ := mustCreate(t, s, 1)
	r := mustCreateReview(t, s, w.ID)
	frame := &store.Frame{ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n..."), CreatedAt: t0}
	late, early, plain := newAnnotation(r, 12.5), newAnnotation(r, 3.25), newAnnotation(mustCreateReview(t, s, ""), 1)
	twin := newAnnotation(r, 12.5)
	twin.CreatedAt = late.CreatedAt.Add(-time.Second) // same media time, made earlier
	plain.Review = r.ID                               // no world, camera or nodes, in a review that has a world
	checkErr(t, s.CreateAnnotation(ctx, store.NewAnnotation{Annotation: late, Frame: frame,
		Events: []store.ReviewEvent{event(r.ID, "annotate", 1)}}), nil)
	for _, a := range []store.Annotation{early, twin, plain} {
		checkErr(t, s.CreateAnnotation(ctx, store.NewAnnotation{Annotation: a}), nil)
	}
	checkAnnotations(t, []store.Annotation{mustGetAnnotation(t, s, late.ID)}, []store.Annotation{wantAnnotation(late, "image/png")})
	got, err := s.ListAnnotations(ctx, r.ID)
	checkErr(t, err, nil)
	checkAnnotations(t, got, []store.Annotation{wantAnnotation(plain, ""), wantAnnotation(early, ""),
		wantAnnotation(twin, ""), wantAnnotation(late, "image/png")})
	checkEvents(t, s, r.ID, event(r.ID, "annotate", 1))

	f, err := s.GetFrame(ctx, late.ID)
	checkErr(t, err, nil)
	if f.ContentType != frame.ContentType || string(f.Data) != string(frame.Data) || !f.CreatedAt.Equal(instant(t0)) {
		t.Fatalf("GetFrame = %+v, want %+v", f, frame)
	}
	_, err = s.GetFrame(ctx, early.ID)
	checkErr(t, err, store.ErrNotFound)
	checkErr(t, s.PutFrame(ctx, early.ID, store.Frame{ContentType: "image/jpeg", Data: []byte{0xff, 0xd8}, CreatedAt: t0}), nil)
	if a := mustGetAnnotation(t, s, early.ID); a.FrameType != "image/jpeg" {
		t.Fatalf("after PutFrame, FrameType = %q", a.FrameType)
	}
	checkErr(t, s.PutFrame(ctx, early.ID, *frame), store.ErrExists)
	checkErr(t, s.PutFrame(ctx, "an-unknown", *frame), store.ErrNotFound)
	checkErr(t, s.PutFrame(ctx, plain.ID, store.Frame{Data: []byte{1}}), errAny)
	if f, err := s.GetFrame(ctx, early.ID); err != nil || f.ContentType != "image/jpeg" {
		t.Fatalf("GetFrame after a refused PutFrame = %+v, %v", f, err)
	}
	if as, err := s.ListAnnotations(ctx, mustCreateReview(t, s, "").ID); err != nil || len(as) != 0 {
		t.Fatalf("ListAnnotations of a review without any = %v, %v", as, err)
	}
	_, err = s.ListAnnotations(ctx, "rv-unknown")
	checkErr(t, err, store.ErrNotFound)
	_, err = s.GetAnnotation(ctx, "an-unknown")
	checkErr(t, err, store.ErrNotFound)
}

func testAnnotationsRefused(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, _ := mustCreate(t, s, 1)
	r := mustCreateReview(t, s, w.ID)
	other := mustCreateReview(t, s, w.ID)
	taken := newAnnotation(r, 1)
	checkErr(t, s.CreateAnnotation(ctx, store.NewAnnotation{Annotation: taken}), nil)
	mod := func(f func(a *store.NewAnnotation)) store.NewAnnotation {
		a := store.NewAnnotation{Annotation: newAnnotation(r, 2), Events: []store.ReviewEvent{event(r.ID, "annotate", 2)}}
		f(&a)
		return a
	}
	tests := []struct {
		name string
		a    store.NewAnnotation
		err  error
	}{
		{"taken id", mod(func(a *store.NewAnnotation) { a.ID = taken.ID }), store.ErrExists},
		{"unknown review", mod(func(a *store.NewAnnotation) { a.Review, a.Events = "rv-unknown", nil }), store.ErrNotFound},
		{"unknown world", mod(func(a *store.NewAnnotation) { a.World = newWorldID() }), store.ErrNotFound},
		{"short camera", mod(func(a *store.NewAnnotation) { a.Camera = []float64{1, 2, 3} }), errAny},
		{"empty id", mod(func(a *store.NewAnnotation) { a.ID = "" }), errAny},
		{"event of another review", mod(func(a *store.NewAnnotation) { a.Events = []store.ReviewEvent{event(other.ID, "x", 1)} }), errAny},
		{"frame without a type", mod(func(a *store.NewAnnotation) { a.Frame = &store.Frame{Data: []byte{1}} }), errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, s.CreateAnnotation(ctx, tc.a), tc.err)
			got, err := s.ListAnnotations(ctx, r.ID)
			checkErr(t, err, nil)
			checkAnnotations(t, got, []store.Annotation{wantAnnotation(taken, "")})
			checkEvents(t, s, r.ID)
			checkEvents(t, s, other.ID)
		})
	}
}

// testAnnotationWithTask creates annotations that create a task or link
// themselves to one: all or nothing.
func testAnnotationWithTask(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreateReview(t, s, "")
	other := mustCreateReview(t, s, "")
	first := newAnnotation(r, 1)
	task := newTask(r, "fix the lamp", first.ID)
	checkErr(t, s.CreateAnnotation(ctx, store.NewAnnotation{Annotation: first, CreateTask: &task,
		Events: []store.ReviewEvent{event("", "annotate", 1), event("", "task", 1)}}), nil)
	checkTask(t, s, task)

	second := newAnnotation(r, 2)
	attached := task
	attached.Version, attached.Status, attached.Annotations = 2, "in-progress", []store.AnnotationID{second.ID}
	checkErr(t, s.CreateAnnotation(ctx, store.NewAnnotation{Annotation: second, UpdateTask: &attached,
		Events: []store.ReviewEvent{event("", "annotate", 2)}}), nil)
	attached.Annotations = []store.AnnotationID{first.ID, second.ID}
	checkTask(t, s, attached)
	wantEvents := []store.ReviewEvent{event(r.ID, "annotate", 1), event(r.ID, "task", 1), event(r.ID, "annotate", 2)}

	stale, elsewhere := attached, attached
	third := newAnnotation(r, 3)
	stale.Annotations = []store.AnnotationID{third.ID} // version 2 again
	foreign := newAnnotation(other, 3)
	elsewhere.Version, elsewhere.Review, elsewhere.Annotations = 3, other.ID, []store.AnnotationID{foreign.ID}
	unlinked := newTask(r, "does not link", first.ID)
	fresh := newTask(r, "new", third.ID)
	fresh.ID = task.ID
	tests := []struct {
		name string
		a    store.NewAnnotation
		err  error
	}{
		{"stale task version", store.NewAnnotation{Annotation: third, UpdateTask: &stale}, store.ErrConflict},
		{"task of another review", store.NewAnnotation{Annotation: foreign, UpdateTask: &elsewhere}, store.ErrNotFound},
		{"task that does not link it", store.NewAnnotation{Annotation: third, CreateTask: &unlinked}, errAny},
		{"taken task id", store.NewAnnotation{Annotation: third, CreateTask: &fresh}, store.ErrExists},
		{"both", store.NewAnnotation{Annotation: third, CreateTask: &unlinked, UpdateTask: &stale}, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.a.Events = []store.ReviewEvent{event("", "annotate", 3)}
			checkErr(t, s.CreateAnnotation(ctx, tc.a), tc.err)
			checkTask(t, s, attached)
			for _, id := range []store.AnnotationID{third.ID, foreign.ID} {
				_, err := s.GetAnnotation(ctx, id)
				checkErr(t, err, store.ErrNotFound)
			}
			checkEvents(t, s, r.ID, wantEvents...)
			checkEvents(t, s, other.ID)
		})
	}
}

// mustAnnotate stores annotations of r at media times 1, 2, …
func mustAnnotate(t testing.TB, s store.Store, r store.Review, n int) []store.Annotation {
	t.Helper()
	as := make([]store.Annotation, n)
	for i := range as {
		as[i] = newAnnotation(r, float64(i+1))
		as[i].Text = fmt.Sprint("note ", i+1)
		checkErr(t, s.CreateAnnotation(context.Background(), store.NewAnnotation{Annotation: as[i]}), nil)
	}
	return as
}
