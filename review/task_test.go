package review_test

import (
	"context"
	"reflect"
	"testing"

	"atelier/review"
)

// TestTasks raises a task from an annotation, attaches a second annotation
// to it, creates and updates tasks directly, and lists them by filter.
func TestTasks(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{})
		f.pause(t, 10, 900000)
		in := arrow("broken lamp")
		in.Task = &review.TaskInput{Title: "Fix the lamp", Assignee: "grace", Priority: review.PriorityHigh}
		a1 := f.annotate(t, "bob", in)
		if len(a1.Tasks) != 1 {
			t.Fatalf("the annotation raised tasks %v", a1.Tasks)
		}
		task, err := f.svc.Task(ctx, a1.Tasks[0])
		checkErr(t, err, nil)
		wantLink := "/worlds/" + string(f.world) + "?camera=1.5,2,-3.25,0,0,0,1&select=lamp-1"
		if task.Title != "Fix the lamp" || task.Status != review.StatusOpen || task.Priority != review.PriorityHigh ||
			task.Assignee != "grace" || task.World != f.world || task.Version != 1 || task.CreatedBy != "bob" ||
			!reflect.DeepEqual(task.Annotations, []review.AnnotationID{a1.ID}) || task.DeepLink != wantLink {
			t.Fatalf("raised task %+v", task)
		}

		f.pause(t, 11, 990000)
		second := arrow("and its shade")
		second.Camera, second.AttachTo = nil, task.ID
		a2 := f.annotate(t, "ada", second)
		task, err = f.svc.Task(ctx, task.ID)
		checkErr(t, err, nil)
		if task.Version != 2 || task.UpdatedBy != "ada" || !reflect.DeepEqual(task.Annotations, []review.AnnotationID{a1.ID, a2.ID}) {
			t.Fatalf("after attaching: %+v", task)
		}

		direct, err := f.svc.CreateTask(ctx, f.id, "bob", review.TaskInput{Title: "Check the shade",
			Nodes: []string{"shade-3"}, Annotations: []review.AnnotationID{a2.ID, a1.ID}})
		checkErr(t, err, nil)
		if direct.Priority != review.PriorityNormal || direct.DeepLink != "/worlds/"+string(f.world)+"?camera=1.5,2,-3.25,0,0,0,1&select=shade-3" {
			t.Fatalf("direct task %+v", direct) // a2 has no camera: a1's, with the task's own node
		}
		done, status, nobody := review.StatusDone, review.StatusInProgress, ""
		up, err := f.svc.UpdateTask(ctx, direct.ID, "ada", review.TaskPatch{Status: &status, Assignee: &nobody})
		checkErr(t, err, nil)
		if up.Status != review.StatusInProgress || up.Version != 2 || up.UpdatedBy != "ada" {
			t.Fatalf("updated task %+v", up)
		}
		same, err := f.svc.UpdateTask(ctx, direct.ID, "ada", review.TaskPatch{Status: &status})
		checkErr(t, err, nil)
		if same.Version != 2 {
			t.Fatalf("a patch changing nothing made version %d", same.Version)
		}
		_, err = f.svc.UpdateTask(ctx, direct.ID, "ada", review.TaskPatch{Status: &done, IfVersion: 1})
		checkErr(t, err, review.ErrConflict)
		_, err = f.svc.UpdateTask(ctx, direct.ID, "cy", review.TaskPatch{Status: &done})
		checkErr(t, err, review.ErrForbidden)
		bad := review.Status("closed")
		_, err = f.svc.UpdateTask(ctx, direct.ID, "ada", review.TaskPatch{Status: &bad})
		checkErr(t, err, review.ErrInvalid)
		_, err = f.svc.UpdateTask(ctx, direct.ID, "ada", review.TaskPatch{Link: []review.AnnotationID{"nosuchannotation"}})
		checkErr(t, err, review.ErrInvalid)
		_, err = f.svc.UpdateTask(ctx, "nosuchtask", "ada", review.TaskPatch{Status: &done})
		checkErr(t, err, review.ErrNotFound)
		_, err = f.svc.CreateTask(ctx, f.id, "bob", review.TaskInput{Title: "elsewhere", World: newWorld(t, f.st)})
		checkErr(t, err, review.ErrInvalid)

		checkTaskList(t, f.svc, review.TaskFilter{Session: f.id}, task.ID, direct.ID)
		checkTaskList(t, f.svc, review.TaskFilter{World: f.world, Status: review.StatusOpen}, task.ID)
		checkTaskList(t, f.svc, review.TaskFilter{Assignee: "grace"}, task.ID)
		checkTaskList(t, f.svc, review.TaskFilter{Status: review.StatusInProgress}, direct.ID)
		checkTaskList(t, f.svc, review.TaskFilter{Status: review.StatusDone})
		_, err = f.svc.ListTasks(ctx, review.TaskFilter{Session: "nosuchsession"})
		checkErr(t, err, review.ErrNotFound)
		_, err = f.svc.ListTasks(ctx, review.TaskFilter{Status: "closed"})
		checkErr(t, err, review.ErrInvalid)

		list, err := f.svc.Annotations(ctx, f.id)
		checkErr(t, err, nil)
		if !reflect.DeepEqual(list[0].Tasks, []review.TaskID{task.ID, direct.ID}) || !reflect.DeepEqual(list[1].Tasks, []review.TaskID{task.ID, direct.ID}) {
			t.Fatalf("annotations' tasks: %v, %v", list[0].Tasks, list[1].Tasks)
		}
	})
}

func checkTaskList(t *testing.T, svc *review.Service, f review.TaskFilter, want ...review.TaskID) {
	t.Helper()
	ts, err := svc.ListTasks(context.Background(), f)
	checkErr(t, err, nil)
	got := make([]review.TaskID, len(ts))
	for i := range ts {
		got[i] = ts[i].ID
	}
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
		t.Fatalf("ListTasks(%+v) = %v, want %v", f, got, want)
	}
}
