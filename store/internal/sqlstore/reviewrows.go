package sqlstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"atelier/store"
)

// poseLen is the number of values in an annotation's camera pose.
const poseLen = 7

// CheckReview checks a CreateReview request before anything is written.
func CheckReview(r store.Review) error {
	if r.ID == "" {
		return errors.New("review id is empty")
	}
	if r.State.Version < 0 {
		return fmt.Errorf("review %s: state version %d is negative", r.ID, r.State.Version)
	}
	return checkMembers(r.State.Members)
}

// CheckReviewState checks an UpdateReviewState request before anything is
// written, and returns events with their Review filled in.
func CheckReviewState(id store.ReviewID, st store.ReviewState, events []store.ReviewEvent) ([]store.ReviewEvent, error) {
	if st.Version < 1 {
		return nil, fmt.Errorf("review %s: state version %d, want at least 1", id, st.Version)
	}
	if err := checkMembers(st.Members); err != nil {
		return nil, fmt.Errorf("review %s: %w", id, err)
	}
	return FillEvents(id, events)
}

func checkMembers(ms []store.ReviewMember) error {
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if m.User == "" || seen[m.User] {
			return fmt.Errorf("member %q is empty or appears twice", m.User)
		}
		seen[m.User] = true
	}
	return nil
}

// FillEvents returns events with an empty Review set to review; an event
// of another review is an error.
func FillEvents(review store.ReviewID, events []store.ReviewEvent) ([]store.ReviewEvent, error) {
	out := make([]store.ReviewEvent, len(events))
	for i, e := range events {
		if e.Review != "" && e.Review != review {
			return nil, fmt.Errorf("event %q belongs to review %s, not %s", e.Kind, e.Review, review)
		}
		e.Review = review
		out[i] = e
	}
	return out, nil
}

// CheckAnnotation checks a CreateAnnotation request before anything is
// written, and returns it with the Review of its task and events filled in.
func CheckAnnotation(a store.NewAnnotation) (store.NewAnnotation, error) {
	switch {
	case a.ID == "" || a.Review == "":
		return a, fmt.Errorf("annotation %q of review %q: empty id", a.ID, a.Review)
	case len(a.Camera) != 0 && len(a.Camera) != poseLen:
		return a, fmt.Errorf("annotation %s: camera has %d values, want %d", a.ID, len(a.Camera), poseLen)
	case a.Frame != nil && a.Frame.ContentType == "":
		return a, fmt.Errorf("annotation %s: frame without a content type", a.ID)
	case a.CreateTask != nil && a.UpdateTask != nil:
		return a, fmt.Errorf("annotation %s: both creates and updates a task", a.ID)
	}
	for _, t := range []**store.Task{&a.CreateTask, &a.UpdateTask} {
		if *t == nil {
			continue
		}
		task := **t
		if task.Review == "" {
			task.Review = a.Review
		}
		if err := CheckTask(task, t == &a.CreateTask); err != nil {
			return a, fmt.Errorf("annotation %s: %w", a.ID, err)
		}
		if !containsID(task.Annotations, a.ID) {
			return a, fmt.Errorf("annotation %s: task %s does not link it", a.ID, task.ID)
		}
		*t = &task
	}
	events, err := FillEvents(a.Review, a.Events)
	a.Events = events
	return a, err
}

// CheckTask checks a task to create (Version 1) or update (Version 2 or
// more) before anything is written.
func CheckTask(t store.Task, create bool) error {
	switch {
	case t.ID == "" || t.Review == "":
		return fmt.Errorf("task %q of review %q: empty id", t.ID, t.Review)
	case create && t.Version != 1:
		return fmt.Errorf("new task %s: version %d, want 1", t.ID, t.Version)
	case !create && t.Version < 2:
		return fmt.Errorf("task %s: update to version %d, want at least 2", t.ID, t.Version)
	}
	seen := make(map[store.AnnotationID]bool, len(t.Annotations))
	for _, id := range t.Annotations {
		if id == "" || seen[id] {
			return fmt.Errorf("task %s: annotation %q is empty or linked twice", t.ID, id)
		}
		seen[id] = true
	}
	return nil
}

func containsID(ids []store.AnnotationID, id store.AnnotationID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// NullWorld returns a world_id argument: nil (NULL) for no world, so that
// the foreign key skips it.
func NullWorld(w store.WorldID) any {
	if w == "" {
		return nil
	}
	return string(w)
}

// Micros returns a duration as whole microseconds, as media time columns
// keep it.
func Micros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// member is a review member as the members column encodes it.
type member struct {
	User     string `json:"user"`
	Role     string `json:"role"`
	JoinedAt int64  `json:"joinedAt"` // Unix microseconds
}

// EncodeMembers encodes a review's members for the members column.
func EncodeMembers(ms []store.ReviewMember) string {
	out := make([]member, len(ms))
	for i, m := range ms {
		out[i] = member{m.User, m.Role, m.JoinedAt.UnixMicro()}
	}
	b, _ := json.Marshal(out) // strings and integers always encode
	return string(b)
}

// DecodeMembers decodes what EncodeMembers wrote; no members decode to nil.
func DecodeMembers(s string) ([]store.ReviewMember, error) {
	var in []member
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("decode review members: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]store.ReviewMember, len(in))
	for i, m := range in {
		out[i] = store.ReviewMember{User: m.User, Role: m.Role, JoinedAt: time.UnixMicro(m.JoinedAt).UTC()}
	}
	return out, nil
}

// EncodeNodes encodes node ids for a nodes column, as a JSON array.
func EncodeNodes(nodes []string) string {
	if nodes == nil {
		nodes = []string{}
	}
	b, _ := json.Marshal(nodes)
	return string(b)
}

// DecodeNodes decodes what EncodeNodes wrote; no nodes decode to nil.
func DecodeNodes(s string) ([]string, error) {
	var nodes []string
	if err := json.Unmarshal([]byte(s), &nodes); err != nil {
		return nil, fmt.Errorf("decode node ids: %w", err)
	}
	if len(nodes) == 0 {
		return nil, nil
	}
	return nodes, nil
}

// EncodePose encodes a camera pose (none, or seven values) as the camera
// column keeps it: big-endian IEEE 754 doubles. The result is never nil.
func EncodePose(p []float64) []byte {
	b := make([]byte, 0, 8*len(p))
	for _, v := range p {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// DecodePose decodes what EncodePose wrote; no pose decodes to nil.
func DecodePose(b []byte) ([]float64, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) != 8*poseLen {
		return nil, fmt.Errorf("decode camera pose: %d bytes, want %d", len(b), 8*poseLen)
	}
	p := make([]float64, poseLen)
	for i := range p {
		p[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
	}
	return p, nil
}
