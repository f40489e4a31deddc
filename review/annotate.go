package review

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"atelier/store"
)

// errRetry means a write lost a race over a task's version and is to be
// made again from a fresh read.
var errRetry = errors.New("retry")

// Annotate adds an annotation by user, who must be the session's driver or
// an annotator (ErrForbidden otherwise), with its frame image, the task it
// raises or the task it is attached to, in one transaction. Every input is
// checked before anything is written: ErrInvalid or ErrTooLarge, and
// nothing is stored.
func (s *Service) Annotate(ctx context.Context, id SessionID, user string, in AnnotationInput) (Annotation, error) {
	if err := s.open(); err != nil {
		return Annotation{}, err
	}
	in, frame, err := s.checkAnnotation(user, in)
	if err != nil {
		return Annotation{}, fmt.Errorf("annotate %s: %w", id, err)
	}
	for range updateAttempts {
		a, task, err := s.annotateOnce(ctx, id, user, in, frame)
		if errors.Is(err, errRetry) {
			continue
		}
		if err != nil {
			return Annotation{}, fmt.Errorf("annotate %s: %w", id, err)
		}
		return s.annotated(ctx, a, task, in.Task != nil)
	}
	return Annotation{}, fmt.Errorf("annotate %s: %w: task %s kept changing", id, ErrConflict, in.AttachTo)
}

// checkAnnotation checks everything about an annotation that needs no
// reading, and returns it normalized with its frame.
func (s *Service) checkAnnotation(user string, in AnnotationInput) (AnnotationInput, *store.Frame, error) {
	if err := checkUser(user); err != nil {
		return in, nil, err
	}
	in, err := in.check(s.cfg.MaxPoints)
	if err != nil {
		return in, nil, err
	}
	if in.Task != nil {
		task, err := in.Task.check()
		if err != nil {
			return in, nil, err
		}
		in.Task = &task
	}
	if len(in.Frame) == 0 {
		return in, nil, nil
	}
	ct, err := checkFrame(in.Frame, s.cfg.MaxFrameBytes)
	if err != nil {
		return in, nil, err
	}
	return in, &store.Frame{ContentType: ct, Data: in.Frame, CreatedAt: s.now()}, nil
}

// annotateOnce reads what the annotation depends on, checks it, and writes
// it all; errRetry if the attached task changed in between.
func (s *Service) annotateOnce(ctx context.Context, id SessionID, user string, in AnnotationInput, frame *store.Frame) (store.Annotation, *store.Task, error) {
	r, err := s.loadSession(ctx, id)
	if err != nil {
		return store.Annotation{}, nil, err
	}
	if err := mayAnnotate(r, user); err != nil {
		return store.Annotation{}, nil, err
	}
	a, err := s.newAnnotation(ctx, r, user, in)
	if err != nil {
		return a, nil, err
	}
	na := store.NewAnnotation{Annotation: a, Frame: frame,
		Events: []store.ReviewEvent{*s.event(EventAnnotate, user, r.State, map[string]string{"annotation": string(a.ID)})}}
	na.Events[0].MediaTime = a.MediaTime
	task, err := s.annotationTask(ctx, r, user, in, &na)
	if err != nil {
		return a, nil, err
	}
	err = s.st.CreateAnnotation(ctx, na)
	if errors.Is(err, store.ErrConflict) && in.AttachTo != "" {
		return a, nil, errRetry
	}
	if frame != nil {
		a.FrameType = frame.ContentType
	}
	return a, task, storeErr("store annotation", err)
}

// annotationTask adds to na the task it raises or is attached to, if any,
// with the task's event, and returns that task.
func (s *Service) annotationTask(ctx context.Context, r store.Review, user string, in AnnotationInput, na *store.NewAnnotation) (*store.Task, error) {
	var (
		t   store.Task
		err error
	)
	switch {
	case in.Task != nil:
		t, err = s.newTask(ctx, r, user, *in.Task, na.ID)
		na.CreateTask = &t
	case in.AttachTo != "":
		t, err = s.attach(ctx, r, user, in.AttachTo, na.ID)
		na.UpdateTask = &t
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	na.Events = append(na.Events, *s.taskEvent(user, t, na.MediaTime))
	return &t, nil
}

// newAnnotation makes the stored annotation of a checked input in session
// r: the frame position defaults to the paused frame's, the world and
// build to the session's.
func (s *Service) newAnnotation(ctx context.Context, r store.Review, user string, in AnnotationInput) (store.Annotation, error) {
	st := r.State
	if (in.MediaTime == nil || in.RTPTimestamp == nil) && !st.Paused {
		return store.Annotation{}, invalid("mediaTime", "playback is not paused: give the frame's mediaTime and rtpTimestamp")
	}
	a := store.Annotation{ID: AnnotationID(newID()), Review: r.ID, Author: user, CreatedAt: s.now(),
		MediaTime: st.MediaTime, RTPTimestamp: st.RTPTimestamp, Text: in.Text, Colour: in.Colour,
		Build: in.Build, Tick: in.Tick, Camera: in.Camera.pose(), Nodes: in.Nodes}
	if in.MediaTime != nil {
		a.MediaTime = duration(*in.MediaTime)
	}
	if in.RTPTimestamp != nil {
		a.RTPTimestamp = *in.RTPTimestamp
	}
	if a.Build == "" {
		a.Build = r.Build
	}
	a.Shape, _ = json.Marshal(in.Shapes) // checked points are finite
	w, err := s.worldOf(ctx, r, in.World)
	a.World = w
	return a, err
}

// worldOf returns the world of an annotation or task of session r that
// names w: the session's when w is "", and an error when the session has
// another one or w does not exist.
func (s *Service) worldOf(ctx context.Context, r store.Review, w store.WorldID) (store.WorldID, error) {
	switch {
	case w == "" || w == r.World:
		return r.World, nil
	case r.World != "":
		return "", invalid("world", "%s is not the session's world %s", w, r.World)
	}
	return w, s.worldExists(ctx, w)
}

// mayAnnotate returns ErrForbidden unless user is the session's driver or
// an annotator.
func mayAnnotate(r store.Review, user string) error {
	role, member := toPlayback(r.State).Role(user)
	switch {
	case !member:
		return fmt.Errorf("%w: %s is not a member of session %s", ErrForbidden, user, r.ID)
	case !role.CanAnnotate():
		return fmt.Errorf("%w: %s is a %s in session %s", ErrForbidden, user, role, r.ID)
	}
	return nil
}

// annotated publishes a stored annotation and its task, and returns it.
func (s *Service) annotated(ctx context.Context, a store.Annotation, task *store.Task, created bool) (Annotation, error) {
	out, err := s.toAnnotation(a, nil)
	if err != nil {
		return Annotation{}, err
	}
	if task != nil {
		out.Tasks = []TaskID{task.ID}
	}
	s.hub.publish(a.Review, Message{Type: MessageAnnotation, Event: "created", Annotation: &out})
	if task != nil {
		if _, err := s.taskChanged(ctx, *task, created); err != nil {
			s.log.Warn("announce task", "task", task.ID, "err", err)
		}
	}
	return out, nil
}

// UploadFrame stores the frame image of an annotation by user, who must
// be its author (ErrForbidden). The image is checked first: ErrTooLarge
// over the limit, ErrInvalid if it is not a PNG or JPEG. Uploading the
// same bytes again changes nothing; other bytes are ErrConflict.
func (s *Service) UploadFrame(ctx context.Context, id AnnotationID, user string, data []byte) (Annotation, error) {
	if err := s.open(); err != nil {
		return Annotation{}, err
	}
	if err := checkUser(user); err != nil {
		return Annotation{}, fmt.Errorf("frame of %s: %w", id, err)
	}
	ct, err := checkFrame(data, s.cfg.MaxFrameBytes)
	if err != nil {
		return Annotation{}, fmt.Errorf("frame of %s: %w", id, err)
	}
	a, err := s.st.GetAnnotation(ctx, id)
	if err != nil {
		return Annotation{}, storeErr("annotation "+string(id), err)
	}
	if a.Author != user {
		return Annotation{}, fmt.Errorf("%w: frame of %s: only its author %s may upload it", ErrForbidden, id, a.Author)
	}
	err = s.st.PutFrame(ctx, id, store.Frame{ContentType: ct, Data: data, CreatedAt: s.now()})
	if errors.Is(err, store.ErrExists) {
		return s.sameFrame(ctx, a, data)
	}
	if err != nil {
		return Annotation{}, storeErr("frame of "+string(id), err)
	}
	a.FrameType = ct
	out, err := s.toAnnotation(a, nil)
	if err == nil {
		s.hub.publish(a.Review, Message{Type: MessageAnnotation, Event: "frame", Annotation: &out})
	}
	return out, err
}

// sameFrame answers a second upload of a's frame: fine if it is the same
// image, ErrConflict otherwise.
func (s *Service) sameFrame(ctx context.Context, a store.Annotation, data []byte) (Annotation, error) {
	f, err := s.st.GetFrame(ctx, a.ID)
	if err != nil {
		return Annotation{}, storeErr("frame of "+string(a.ID), err)
	}
	if !bytes.Equal(f.Data, data) {
		return Annotation{}, fmt.Errorf("%w: annotation %s has another frame already", ErrConflict, a.ID)
	}
	a.FrameType = f.ContentType
	return s.toAnnotation(a, nil)
}

// Frame returns an annotation's frame image; ErrNotFound when the
// annotation is unknown or has none yet.
func (s *Service) Frame(ctx context.Context, id AnnotationID) (Frame, error) {
	f, err := s.st.GetFrame(ctx, id)
	if err != nil {
		return Frame{}, storeErr("frame of "+string(id), err)
	}
	return Frame{ContentType: f.ContentType, Data: f.Data}, nil
}

// Annotations returns a session's annotations along its timeline (by
// media time), each with the tasks it is linked to.
func (s *Service) Annotations(ctx context.Context, id SessionID) ([]Annotation, error) {
	as, err := s.st.ListAnnotations(ctx, id)
	if err != nil {
		return nil, storeErr("annotations of "+string(id), err)
	}
	tasks, err := s.st.ListTasks(ctx, store.TaskFilter{Review: id})
	if err != nil {
		return nil, storeErr("tasks of "+string(id), err)
	}
	linked := map[AnnotationID][]TaskID{}
	for _, t := range tasks {
		for _, a := range t.Annotations {
			linked[a] = append(linked[a], t.ID)
		}
	}
	out := make([]Annotation, len(as))
	for i, a := range as {
		if out[i], err = s.toAnnotation(a, linked[a.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// toAnnotation converts a stored annotation linked to tasks.
func (s *Service) toAnnotation(a store.Annotation, tasks []TaskID) (Annotation, error) {
	var sh []Shape
	if err := json.Unmarshal(a.Shape, &sh); err != nil {
		return Annotation{}, fmt.Errorf("annotation %s: stored shapes: %w", a.ID, err)
	}
	out := Annotation{ID: a.ID, Session: a.Review, Author: a.Author, CreatedAt: a.CreatedAt,
		MediaTime: seconds(a.MediaTime), RTPTimestamp: a.RTPTimestamp, Shapes: sh, Text: a.Text,
		Colour: a.Colour, World: a.World, Build: a.Build, Tick: a.Tick, Camera: cameraOf(a.Camera),
		Nodes: a.Nodes, FrameType: a.FrameType, Tasks: tasks}
	if a.World != "" {
		out.DeepLink = s.cfg.LinkBase + DeepLink(a.World, out.Camera, first(a.Nodes))
	}
	return out, nil
}

// first returns the first of ss, or "".
func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}
