package review

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"atelier/store"
)

// EventKind is what an event of a session's log records.
type EventKind string

// Event kinds.
const (
	EventJoin     EventKind = "join"     // a member joined or changed role; Detail: role
	EventLeave    EventKind = "leave"    // a member left
	EventPause    EventKind = "pause"    // the driver paused at a frame
	EventResume   EventKind = "resume"   // the driver returned to live
	EventSeek     EventKind = "seek"     // the driver moved a recording
	EventHandover EventKind = "handover" // the driver handed over; Detail: to
	EventAnnotate EventKind = "annotate" // an annotation; Detail: annotation
	EventTask     EventKind = "task"     // a task created or updated; Detail: task, change, status
)

// Event is an entry of a session's event log.
type Event struct {
	Seq       int64             `json:"seq"`
	Session   SessionID         `json:"session"`
	Kind      EventKind         `json:"kind"`
	User      string            `json:"user"`
	At        time.Time         `json:"at"`
	MediaTime float64           `json:"mediaTime"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// Events returns a session's event log, oldest first. ErrNotFound if the
// session does not exist.
func (s *Service) Events(ctx context.Context, id SessionID) ([]Event, error) {
	es, err := s.st.ReviewEvents(ctx, id)
	if err != nil {
		return nil, storeErr("events of "+string(id), err)
	}
	out := make([]Event, len(es))
	for i, e := range es {
		if out[i], err = toEvent(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ExportEvents writes a session's event log to w as JSON (an array of
// events) or CSV (a header, then one row per event).
func (s *Service) ExportEvents(ctx context.Context, id SessionID, f Format, w io.Writer) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("export events of %s: %w", id, err)
	}
	events, err := s.Events(ctx, id)
	if err != nil {
		return err
	}
	if f == FormatJSON {
		return writeJSON(w, events)
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"seq", "at", "kind", "user", "media_time", "detail"})
	for _, e := range events {
		detail := ""
		if len(e.Detail) > 0 {
			b, _ := json.Marshal(e.Detail)
			detail = string(b)
		}
		_ = cw.Write([]string{strconv.FormatInt(e.Seq, 10), csvTime(e.At), string(e.Kind), cell(e.User),
			csvSeconds(e.MediaTime), cell(detail)})
	}
	cw.Flush()
	return cw.Error()
}

// toEvent converts a stored event.
func toEvent(e store.ReviewEvent) (Event, error) {
	out := Event{Seq: e.Seq, Session: e.Review, Kind: EventKind(e.Kind), User: e.User, At: e.At,
		MediaTime: seconds(e.MediaTime)}
	if len(e.Detail) > 0 {
		if err := json.Unmarshal(e.Detail, &out.Detail); err != nil {
			return out, fmt.Errorf("event %d: stored detail: %w", e.Seq, err)
		}
	}
	return out, nil
}
