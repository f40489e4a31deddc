package sqlstore

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"atelier/store"
)

func TestPose(t *testing.T) {
	for _, p := range [][]float64{nil, {1, -2, 3.5, 0, math.Copysign(0, -1), 1e-300, math.MaxFloat64}} {
		b := EncodePose(p)
		if b == nil || len(b) != 8*len(p) {
			t.Fatalf("EncodePose(%v) gave %d bytes (nil: %v)", p, len(b), b == nil)
		}
		got, err := DecodePose(b)
		if err != nil || !reflect.DeepEqual(got, p) || (len(p) > 4 && !math.Signbit(got[4])) {
			t.Fatalf("DecodePose = %v, %v; want %v", got, err, p)
		}
	}
	if _, err := DecodePose(make([]byte, 24)); err == nil {
		t.Fatal("DecodePose accepted 3 values")
	}
}

func TestMembersAndNodes(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	ms := []store.ReviewMember{{User: "ädä \"q\"", Role: "driver", JoinedAt: at}, {User: "bob", Role: "viewer", JoinedAt: at.Add(time.Second)}}
	got, err := DecodeMembers(EncodeMembers(ms))
	if err != nil || !reflect.DeepEqual(got, ms) {
		t.Fatalf("members round trip = %v, %v", got, err)
	}
	if got, err := DecodeMembers(EncodeMembers(nil)); err != nil || got != nil {
		t.Fatalf("no members read back as %v, %v", got, err)
	}
	nodes := []string{"a", "b,c", `"d"`}
	if got, err := DecodeNodes(EncodeNodes(nodes)); err != nil || !reflect.DeepEqual(got, nodes) {
		t.Fatalf("nodes round trip = %v, %v", got, err)
	}
	if got, err := DecodeNodes(EncodeNodes(nil)); err != nil || got != nil {
		t.Fatalf("no nodes read back as %v, %v", got, err)
	}
}

func TestCheckAnnotation(t *testing.T) {
	task := func(v int64, links ...store.AnnotationID) *store.Task {
		return &store.Task{ID: "t", Version: v, Annotations: links}
	}
	ok := store.Annotation{ID: "a", Review: "r"}
	tests := []struct {
		name string
		a    store.NewAnnotation
		want string // "" for accepted, else part of the error
	}{
		{"plain", store.NewAnnotation{Annotation: ok}, ""},
		{"creates a task", store.NewAnnotation{Annotation: ok, CreateTask: task(1, "a")}, ""},
		{"updates a task", store.NewAnnotation{Annotation: ok, UpdateTask: task(4, "x", "a")}, ""},
		{"no id", store.NewAnnotation{Annotation: store.Annotation{Review: "r"}}, "empty id"},
		{"camera of 6", store.NewAnnotation{Annotation: store.Annotation{ID: "a", Review: "r", Camera: make([]float64, 6)}}, "camera"},
		{"both", store.NewAnnotation{Annotation: ok, CreateTask: task(1, "a"), UpdateTask: task(2, "a")}, "both"},
		{"task not linking it", store.NewAnnotation{Annotation: ok, CreateTask: task(1, "x")}, "does not link"},
		{"new task at version 2", store.NewAnnotation{Annotation: ok, CreateTask: task(2, "a")}, "want 1"},
		{"update to version 1", store.NewAnnotation{Annotation: ok, UpdateTask: task(1, "a")}, "at least 2"},
		{"event elsewhere", store.NewAnnotation{Annotation: ok, Events: []store.ReviewEvent{{Review: "q"}}}, "belongs to review q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckAnnotation(tc.a)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			case tc.want == "" && got.CreateTask != nil && got.CreateTask.Review != "r":
				t.Fatalf("the task's review was not filled in: %+v", got.CreateTask)
			}
		})
	}
}

func TestTaskQueries(t *testing.T) {
	tasks, links, args := TaskQueries(store.TaskFilter{World: "w", Assignee: "ada"})
	if !strings.Contains(tasks, "WHERE world_id = $1 AND assignee = $2 ORDER BY") ||
		!strings.Contains(links, "WHERE world_id = $1 AND assignee = $2)") || !reflect.DeepEqual(args, []any{"w", "ada"}) {
		t.Fatalf("TaskQueries:\n%s\n%s\n%v", tasks, links, args)
	}
	if tasks, _, args := TaskQueries(store.TaskFilter{}); strings.Contains(tasks, "WHERE") || len(args) != 0 {
		t.Fatalf("an empty filter: %s, %v", tasks, args)
	}
}
