package server

// Tasks over HTTP (docs/review.md): list with filters, create, read,
// update. A task belongs to a review session; who may see the session may
// see its tasks, and reviewers (annotators) may create and change them.

import (
	"fmt"
	"net/http"

	"atelier/review"
	"atelier/server/auth"
	"atelier/store"
)

// taskCreate is POST /api/tasks: a task input and the session it belongs to.
type taskCreate struct {
	Session review.SessionID `json:"session"`
	review.TaskInput
}

// listTasks handles GET /api/tasks[?session=&world=&status=&assignee=]:
// the tasks of the sessions the caller may see (listScope), which the
// store selects.
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.cfg.Review == nil {
		s.writeError(w, ErrReviewsOff)
		return
	}
	q := r.URL.Query()
	f := review.TaskFilter{Session: review.SessionID(q.Get("session")), World: store.WorldID(q.Get("world")),
		Status: review.Status(q.Get("status")), Assignee: q.Get("assignee"), Scope: listScope(p)}
	tasks, err := s.cfg.Review.ListTasks(r.Context(), f)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": tasks})
}

// canSeeTask reports whether p may see the session t belongs to.
func (s *Server) canSeeTask(r *http.Request, p auth.Principal, t review.Task) bool {
	sess, err := s.cfg.Review.Session(r.Context(), t.Session)
	return err == nil && canSee(p, sess.World)
}

// createTask handles POST /api/tasks {"session", "title", …}.
func (s *Server) createTask(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in taskCreate
	err := decodeJSON(r, &in)
	if err == nil {
		r.SetPathValue("id", string(in.Session))
		err = s.mayAnnotate(r, p)
	}
	var t review.Task
	if err == nil {
		t, err = s.cfg.Review.CreateTask(r.Context(), in.Session, p.User, in.TaskInput)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Location", "/api/tasks/"+string(t.ID))
	writeJSON(w, http.StatusCreated, t)
}

// mayAnnotate checks that p is (or joins as) a member of the session in
// the path whose role may annotate.
func (s *Server) mayAnnotate(r *http.Request, p auth.Principal) error {
	_, role, err := s.member(r, p)
	if err == nil && !role.CanAnnotate() {
		err = fmt.Errorf("%w: a %s of this review cannot change its tasks", review.ErrForbidden, role)
	}
	return err
}

// task loads the task in the path and checks p may see it.
func (s *Server) task(r *http.Request, p auth.Principal) (review.Task, error) {
	if s.cfg.Review == nil {
		return review.Task{}, ErrReviewsOff
	}
	t, err := s.cfg.Review.Task(r.Context(), review.TaskID(r.PathValue("task")))
	if err == nil && !s.canSeeTask(r, p, t) {
		err = fmt.Errorf("%w: task %s", review.ErrNotFound, t.ID)
	}
	return t, err
}

// getTask handles GET /api/tasks/{task}.
func (s *Server) getTask(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	t, err := s.task(r, p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// patchTask handles PATCH /api/tasks/{task}: title, status, assignee,
// priority, nodes, more annotations; ifVersion for compare-and-set.
func (s *Server) patchTask(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var patch review.TaskPatch
	t, err := s.task(r, p)
	if err == nil {
		err = decodeJSON(r, &patch)
	}
	if err == nil {
		r.SetPathValue("id", string(t.Session))
		err = s.mayAnnotate(r, p)
	}
	if err == nil {
		t, err = s.cfg.Review.UpdateTask(r.Context(), t.ID, p.User, patch)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}
