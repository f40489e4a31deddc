package sqlstore

import (
	"fmt"
	"time"

	"atelier/store"
)

// ScanReview scans a row of SelectReview into r. createdAt and stateAt
// are the backend's scan targets for created_at and state_at; they must
// fill r.CreatedAt and r.State.UpdatedAt.
func ScanReview(sc Scanner, r *store.Review, createdAt, stateAt any) error {
	var (
		st           = &r.State
		media, rtp   int64
		members      string
		paused, live bool
	)
	err := sc.Scan(&r.ID, &r.Title, &r.World, &r.Build, createdAt, &r.CreatedBy,
		&st.Version, &paused, &live, &media, &rtp, &st.Driver, &members, stateAt, &st.UpdatedBy)
	if err != nil {
		return fmt.Errorf("scan review: %w", err)
	}
	st.Paused, st.Live = paused, live
	st.MediaTime, st.RTPTimestamp = time.Duration(media)*time.Microsecond, uint32(rtp)
	r.CreatedAt, st.UpdatedAt = r.CreatedAt.UTC(), st.UpdatedAt.UTC()
	st.Members, err = DecodeMembers(members)
	return err
}

// ScanReviewEvent scans a row of SelectReviewEvents. at is the backend's
// scan target for the at column; it must fill e.At.
func ScanReviewEvent(sc Scanner, e *store.ReviewEvent, at any) error {
	var media int64
	if err := sc.Scan(&e.Seq, &e.Review, &e.Kind, &e.User, at, &media, &e.Detail); err != nil {
		return fmt.Errorf("scan review event: %w", err)
	}
	e.At, e.MediaTime, e.Detail = e.At.UTC(), time.Duration(media)*time.Microsecond, nilIfEmpty(e.Detail)
	return nil
}

// ScanAnnotation scans a row of SelectAnnotation or SelectAnnotations.
// createdAt is the backend's scan target for created_at; it must fill
// a.CreatedAt.
func ScanAnnotation(sc Scanner, a *store.Annotation, createdAt any) error {
	var (
		media, rtp    int64
		camera, shape []byte
		nodes         string
	)
	err := sc.Scan(&a.ID, &a.Review, &a.Author, createdAt, &media, &rtp, &shape, &a.Text, &a.Colour,
		&a.World, &a.Build, &a.Tick, &camera, &nodes, &a.FrameType)
	if err != nil {
		return fmt.Errorf("scan annotation: %w", err)
	}
	a.CreatedAt, a.Shape = a.CreatedAt.UTC(), nilIfEmpty(shape)
	a.MediaTime, a.RTPTimestamp = time.Duration(media)*time.Microsecond, uint32(rtp)
	if a.Camera, err = DecodePose(camera); err != nil {
		return err
	}
	a.Nodes, err = DecodeNodes(nodes)
	return err
}

// ScanFrame scans a row of SelectFrame. createdAt is the backend's scan
// target for created_at; it must fill f.CreatedAt.
func ScanFrame(sc Scanner, f *store.Frame, createdAt any) error {
	if err := sc.Scan(&f.ContentType, &f.Data, createdAt); err != nil {
		return fmt.Errorf("scan frame: %w", err)
	}
	f.CreatedAt, f.Data = f.CreatedAt.UTC(), nilIfEmpty(f.Data)
	return nil
}

// ScanTask scans a row of SelectTask or TaskQueries' tasks query, without
// its links. createdAt and updatedAt are the backend's scan targets; they
// must fill t.CreatedAt and t.UpdatedAt.
func ScanTask(sc Scanner, t *store.Task, createdAt, updatedAt any) error {
	var nodes string
	err := sc.Scan(&t.ID, &t.Review, &t.Title, &t.Status, &t.Assignee, &t.Priority, &t.World, &nodes,
		createdAt, &t.CreatedBy, updatedAt, &t.UpdatedBy, &t.Version)
	if err != nil {
		return fmt.Errorf("scan task: %w", err)
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	t.Nodes, err = DecodeNodes(nodes)
	return err
}

// TaskLink is a row of SelectTaskLinks or TaskQueries' links query.
type TaskLink struct {
	Task       store.TaskID
	Annotation store.AnnotationID
}

// ScanTaskLink scans a row of SelectTaskLinks or TaskQueries' links query.
func ScanTaskLink(sc Scanner) (TaskLink, error) {
	var l TaskLink
	if err := sc.Scan(&l.Task, &l.Annotation); err != nil {
		return l, fmt.Errorf("scan task link: %w", err)
	}
	return l, nil
}

// AttachTaskLinks appends each link's annotation to its task's
// Annotations; links must be in link order within each task. Links of
// tasks not in tasks are ignored.
func AttachTaskLinks(tasks []store.Task, links []TaskLink) {
	idx := make(map[store.TaskID]int, len(tasks))
	for i := range tasks {
		idx[tasks[i].ID] = i
	}
	for _, l := range links {
		if i, ok := idx[l.Task]; ok {
			tasks[i].Annotations = append(tasks[i].Annotations, l.Annotation)
		}
	}
}
