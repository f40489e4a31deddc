package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"atelier/store"
)

// newTask returns a new task of review r linking annotations.
func newTask(r store.Review, title string, annotations ...store.AnnotationID) store.Task {
	return store.Task{
		ID: store.TaskID("tk" + randomHex(16)), Review: r.ID, Title: title, Status: "open", Assignee: "grace",
		Priority: "high", World: r.World, Nodes: []string{"node-a"}, Annotations: annotations,
		CreatedAt: t0.Add(time.Hour), CreatedBy: "ada", UpdatedAt: t0.Add(time.Hour), UpdatedBy: "ada", Version: 1,
	}
}

// wantTask is t as the store returns it.
func wantTask(t store.Task) store.Task {
	t.CreatedAt, t.UpdatedAt = instant(t.CreatedAt), instant(t.UpdatedAt)
	t.Nodes, t.Annotations = nilIfEmpty(t.Nodes), nilIfEmpty(t.Annotations)
	return t
}

func checkTask(t testing.TB, s store.Store, want store.Task) {
	t.Helper()
	got, err := s.GetTask(context.Background(), want.ID)
	checkErr(t, err, nil)
	checkTasks(t, []store.Task{got}, []store.Task{want})
}

func checkTasks(t testing.TB, got, want []store.Task) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tasks, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if w := wantTask(want[i]); !reflect.DeepEqual(got[i], w) {
			t.Fatalf("task %d:\n got %+v\nwant %+v", i, got[i], w)
		}
	}
}

func testTasks(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, _ := mustCreate(t, s, 1)
	r := mustCreateReview(t, s, w.ID)
	as := mustAnnotate(t, s, r, 4)
	task := newTask(r, "relight the hall", as[2].ID, as[0].ID)
	checkErr(t, s.CreateTask(ctx, task, event("", "task", 1)), nil)
	checkTask(t, s, task)

	up := task
	up.Version, up.Title, up.Status, up.Assignee, up.Priority = 2, "relight the hall, again", "done", "", "urgent"
	up.World, up.Nodes, up.UpdatedAt, up.UpdatedBy = "", nil, t0.Add(2*time.Hour), "bob"
	up.Annotations = []store.AnnotationID{as[3].ID, as[0].ID, as[1].ID} // as[0] is linked already
	checkErr(t, s.UpdateTask(ctx, up, event("", "task", 2)), nil)
	up.Annotations = []store.AnnotationID{as[2].ID, as[0].ID, as[3].ID, as[1].ID}
	checkTask(t, s, up)
	checkEvents(t, s, r.ID, event(r.ID, "task", 1), event(r.ID, "task", 2))

	if got, err := s.ListTasks(ctx, store.TaskFilter{Review: mustCreateReview(t, s, "").ID}); err != nil || len(got) != 0 {
		t.Fatalf("ListTasks of a review without any = %v, %v", got, err)
	}
	_, err := s.GetTask(ctx, "tk-unknown")
	checkErr(t, err, store.ErrNotFound)
}

func testTasksRefused(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreateReview(t, s, "")
	other := mustCreateReview(t, s, "")
	as, foreign := mustAnnotate(t, s, r, 2), mustAnnotate(t, s, other, 1)
	task := newTask(r, "kept", as[0].ID)
	checkErr(t, s.CreateTask(ctx, task), nil)
	update := func(f func(u *store.Task)) store.Task {
		u := task
		u.Version, u.Title, u.Annotations = 2, "changed", []store.AnnotationID{as[1].ID}
		f(&u)
		return u
	}
	create := func(f func(c *store.Task)) store.Task {
		c := newTask(r, "new", as[1].ID)
		f(&c)
		return c
	}
	tests := []struct {
		name   string
		create bool
		t      store.Task
		err    error
	}{
		{"taken id", true, create(func(c *store.Task) { c.ID = task.ID }), store.ErrExists},
		{"unknown review", true, create(func(c *store.Task) { c.Review, c.Annotations = "rv-unknown", nil }), store.ErrNotFound},
		{"annotation of another review", true, create(func(c *store.Task) { c.Annotations = []store.AnnotationID{foreign[0].ID} }), store.ErrNotFound},
		{"unknown annotation", true, create(func(c *store.Task) { c.Annotations = []store.AnnotationID{"an-unknown"} }), store.ErrNotFound},
		{"unknown world", true, create(func(c *store.Task) { c.World = newWorldID() }), store.ErrNotFound},
		{"version 2", true, create(func(c *store.Task) { c.Version = 2 }), errAny},
		{"annotation twice", true, create(func(c *store.Task) { c.Annotations = []store.AnnotationID{as[0].ID, as[0].ID} }), errAny},
		{"stale version", false, update(func(u *store.Task) { u.Version = 3 }), store.ErrConflict},
		{"version 1", false, update(func(u *store.Task) { u.Version = 1 }), errAny},
		{"unknown task", false, update(func(u *store.Task) { u.ID = "tk-unknown" }), store.ErrNotFound},
		{"moved to another review", false, update(func(u *store.Task) { u.Review, u.Annotations = other.ID, nil }), store.ErrNotFound},
		{"update linking another review's", false, update(func(u *store.Task) { u.Annotations = []store.AnnotationID{foreign[0].ID} }), store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			write := s.UpdateTask
			if tc.create {
				write = s.CreateTask
			}
			checkErr(t, write(ctx, tc.t, event("", "task", 1)), tc.err)
			checkTask(t, s, task)
			got, err := s.ListTasks(ctx, store.TaskFilter{})
			checkErr(t, err, nil)
			checkTasks(t, got, []store.Task{task})
			checkEvents(t, s, r.ID)
			checkEvents(t, s, other.ID)
		})
	}
}

func testListTasks(t *testing.T, s store.Store) {
	ctx := context.Background()
	w1, _ := mustCreate(t, s, 1)
	w2, _ := mustCreate(t, s, 1)
	r1, r2, r3 := mustCreateReview(t, s, w1.ID), mustCreateReview(t, s, w2.ID), mustCreateReview(t, s, "")
	a1, a2 := mustAnnotate(t, s, r1, 2), mustAnnotate(t, s, r2, 1)
	mk := func(r store.Review, age time.Duration, status, assignee string, links ...store.AnnotationID) store.Task {
		task := newTask(r, status+" for "+assignee, links...)
		task.CreatedAt, task.Status, task.Assignee = t0.Add(age), status, assignee
		checkErr(t, s.CreateTask(ctx, task), nil)
		return task
	}
	// Created in another order than their CreatedAt.
	t3 := mk(r1, 3*time.Minute, "done", "grace", a1[1].ID, a1[0].ID)
	t1 := mk(r1, 1*time.Minute, "open", "grace", a1[0].ID)
	t4 := mk(r2, 4*time.Minute, "open", "", a2[0].ID)
	t2 := mk(r3, 2*time.Minute, "open", "ada")
	tests := []struct {
		name string
		f    store.TaskFilter
		want []store.Task
	}{
		{"all", store.TaskFilter{}, []store.Task{t1, t2, t3, t4}},
		{"review", store.TaskFilter{Review: r1.ID}, []store.Task{t1, t3}},
		{"world", store.TaskFilter{World: w2.ID}, []store.Task{t4}},
		{"status", store.TaskFilter{Status: "open"}, []store.Task{t1, t2, t4}},
		{"assignee", store.TaskFilter{Assignee: "grace"}, []store.Task{t1, t3}},
		{"review and status", store.TaskFilter{Review: r1.ID, Status: "open"}, []store.Task{t1}},
		{"all four", store.TaskFilter{Review: r1.ID, World: w1.ID, Status: "done", Assignee: "grace"}, []store.Task{t3}},
		{"none", store.TaskFilter{Review: r2.ID, Assignee: "grace"}, nil},
		{"unknown review", store.TaskFilter{Review: "rv-unknown"}, nil},
		// A caller's visibility: reviews about these worlds, never one without a world.
		{"review worlds", store.TaskFilter{Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{w2.ID}}}, []store.Task{t4}},
		{"review worlds, both", store.TaskFilter{Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{w1.ID, w2.ID}}}, []store.Task{t1, t3, t4}},
		{"review worlds and status", store.TaskFilter{Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{w1.ID, w2.ID}}, Status: "open", Assignee: "grace"}, []store.Task{t1}},
		{"review worlds, unknown", store.TaskFilter{Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{"w-unknown"}}}, nil},
		{"review worlds, none", store.TaskFilter{Scope: store.WorldScope{Limited: true}, Status: "open"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListTasks(ctx, tc.f)
			checkErr(t, err, nil)
			checkTasks(t, got, tc.want)
		})
	}
}
