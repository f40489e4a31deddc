package review

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"atelier/store"
)

// UpdateTask changes task id by user, who must be the driver or an
// annotator of its session (ErrForbidden), and announces it. A patch that
// changes nothing writes nothing. Links are only ever added.
func (s *Service) UpdateTask(ctx context.Context, id TaskID, user string, p TaskPatch) (Task, error) {
	if err := s.open(); err != nil {
		return Task{}, err
	}
	if err := errors.Join(checkUser(user), p.check()); err != nil {
		return Task{}, fmt.Errorf("update task %s: %w", id, err)
	}
	for range updateAttempts {
		t, changed, err := s.updateTaskOnce(ctx, id, user, p)
		switch {
		case errors.Is(err, errRetry):
			continue
		case err != nil:
			return Task{}, fmt.Errorf("update task %s: %w", id, err)
		case !changed:
			return s.toTask(ctx, t)
		}
		return s.taskChanged(ctx, t, false)
	}
	return Task{}, fmt.Errorf("update task %s: %w: other writers kept changing it", id, ErrConflict)
}

// updateTaskOnce reads the task, applies p and writes the next version;
// errRetry if another writer got there first.
func (s *Service) updateTaskOnce(ctx context.Context, id TaskID, user string, p TaskPatch) (store.Task, bool, error) {
	cur, err := s.st.GetTask(ctx, id)
	if err != nil {
		return cur, false, storeErr("task "+string(id), err)
	}
	if p.IfVersion != 0 && p.IfVersion != cur.Version {
		return cur, false, fmt.Errorf("%w: task is at version %d, not %d", ErrConflict, cur.Version, p.IfVersion)
	}
	r, err := s.loadSession(ctx, cur.Review)
	if err != nil {
		return cur, false, err
	}
	if err := mayAnnotate(r, user); err != nil {
		return cur, false, err
	}
	if err := s.checkLinks(ctx, cur.Review, p.Link); err != nil {
		return cur, false, err
	}
	next := applyPatch(cur, p)
	if equalTask(cur, next) {
		return cur, false, nil
	}
	next.Version, next.UpdatedAt, next.UpdatedBy = cur.Version+1, s.now(), user
	err = s.st.UpdateTask(ctx, next, *s.taskEvent(user, next, r.State.MediaTime))
	if errors.Is(err, store.ErrConflict) && p.IfVersion == 0 {
		return cur, false, errRetry
	}
	return next, true, storeErr("store task", err)
}

// applyPatch returns t changed by p.
func applyPatch(t store.Task, p TaskPatch) store.Task {
	if p.Title != nil {
		t.Title = *p.Title
	}
	if p.Status != nil {
		t.Status = string(*p.Status)
	}
	if p.Assignee != nil {
		t.Assignee = *p.Assignee
	}
	if p.Priority != nil {
		t.Priority = string(*p.Priority)
	}
	if p.Nodes != nil {
		t.Nodes = slices.Clone(*p.Nodes)
	}
	t.Annotations = dedup(append(slices.Clone(t.Annotations), p.Link...))
	return t
}

// equalTask reports whether two versions of a task hold the same fields.
func equalTask(a, b store.Task) bool {
	return a.Title == b.Title && a.Status == b.Status && a.Assignee == b.Assignee && a.Priority == b.Priority &&
		slices.Equal(a.Nodes, b.Nodes) && slices.Equal(a.Annotations, b.Annotations)
}

// Task returns a task, or ErrNotFound.
func (s *Service) Task(ctx context.Context, id TaskID) (Task, error) {
	t, err := s.st.GetTask(ctx, id)
	if err != nil {
		return Task{}, storeErr("task "+string(id), err)
	}
	return s.toTask(ctx, t)
}

// ListTasks returns the tasks f selects, oldest first. ErrNotFound if f
// names a session that does not exist; ErrInvalid for an unknown status.
func (s *Service) ListTasks(ctx context.Context, f TaskFilter) ([]Task, error) {
	if f.Status != "" && !f.Status.valid() {
		return nil, fmt.Errorf("list tasks: %w", invalid("status", "%q is not open, in-progress or done", f.Status))
	}
	if f.Session != "" {
		if _, err := s.loadSession(ctx, f.Session); err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
	}
	ts, err := s.st.ListTasks(ctx, store.TaskFilter{Review: f.Session, World: f.World, Status: string(f.Status), Assignee: f.Assignee,
		Scope: f.Scope})
	if err != nil {
		return nil, storeErr("list tasks", err)
	}
	return s.toTasks(ctx, ts)
}

// taskChanged publishes a task created or updated, queues its webhook, and
// returns it.
func (s *Service) taskChanged(ctx context.Context, t store.Task, created bool) (Task, error) {
	out, err := s.toTask(ctx, t)
	if err != nil {
		return Task{}, err
	}
	event := "updated"
	if created {
		event = "created"
	}
	s.hub.publish(t.Review, Message{Type: MessageTask, Event: event, Task: &out})
	s.hooks.enqueue("task."+event, out)
	return out, nil
}

// toTask converts a stored task.
func (s *Service) toTask(ctx context.Context, t store.Task) (Task, error) {
	ts, err := s.toTasks(ctx, []store.Task{t})
	if err != nil {
		return Task{}, err
	}
	return ts[0], nil
}

// toTasks converts stored tasks, reading their sessions' annotations for
// their deep links.
func (s *Service) toTasks(ctx context.Context, ts []store.Task) ([]Task, error) {
	anns := map[AnnotationID]store.Annotation{}
	read := map[SessionID]bool{}
	for _, t := range ts {
		if t.World == "" || len(t.Annotations) == 0 || read[t.Review] {
			continue
		}
		read[t.Review] = true
		as, err := s.st.ListAnnotations(ctx, t.Review)
		if err != nil {
			return nil, storeErr("annotations of "+string(t.Review), err)
		}
		for _, a := range as {
			anns[a.ID] = a
		}
	}
	out := make([]Task, len(ts))
	for i, t := range ts {
		out[i] = s.taskOf(t, anns)
	}
	return out, nil
}

// taskOf converts a stored task, given its annotations for its deep link.
func (s *Service) taskOf(t store.Task, anns map[AnnotationID]store.Annotation) Task {
	out := Task{ID: t.ID, Session: t.Review, Title: t.Title, Status: Status(t.Status), Assignee: t.Assignee,
		Priority: Priority(t.Priority), World: t.World, Nodes: t.Nodes, Annotations: t.Annotations,
		CreatedAt: t.CreatedAt, CreatedBy: t.CreatedBy, UpdatedAt: t.UpdatedAt, UpdatedBy: t.UpdatedBy, Version: t.Version}
	if out.Annotations == nil {
		out.Annotations = []AnnotationID{}
	}
	if t.World == "" {
		return out
	}
	var cam *Camera
	node := first(t.Nodes)
	for _, id := range t.Annotations {
		if a, ok := anns[id]; ok && len(a.Camera) == 7 {
			cam = cameraOf(a.Camera)
			node = cmpOr(node, first(a.Nodes))
			break
		}
	}
	out.DeepLink = s.cfg.LinkBase + DeepLink(t.World, cam, node)
	return out
}
