package review_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"testing"

	"atelier/review"
)

// TestEventLog runs a short session and checks its log: every step, in
// order, with its user, media time and detail.
func TestEventLog(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{})
		f.pause(t, 12.5, 1125000)
		in := arrow("note")
		in.Task = &review.TaskInput{Title: "fix"}
		a := f.annotate(t, "bob", in)
		f.control(t, "ada", review.Command{Action: review.ActionSeek, MediaTime: 30})
		f.control(t, "ada", review.Command{Action: review.ActionResume})
		f.control(t, "ada", review.Command{Action: review.ActionHandover, To: "bob"})
		_, err := f.svc.Leave(ctx, f.id, "cy")
		checkErr(t, err, nil)

		events, err := f.svc.Events(ctx, f.id)
		checkErr(t, err, nil)
		type row struct {
			Kind   review.EventKind
			User   string
			Media  float64
			Detail map[string]string
		}
		want := []row{
			{review.EventJoin, "ada", 0, map[string]string{"role": "driver"}},
			{review.EventJoin, "bob", 0, map[string]string{"role": "annotator"}},
			{review.EventJoin, "cy", 0, map[string]string{"role": "viewer"}},
			{review.EventPause, "ada", 12.5, nil},
			{review.EventAnnotate, "bob", 12.5, map[string]string{"annotation": string(a.ID)}},
			{review.EventTask, "bob", 12.5, map[string]string{"task": string(a.Tasks[0]), "change": "created", "status": "open"}},
			{review.EventSeek, "ada", 30, nil},
			{review.EventResume, "ada", 30, nil},
			{review.EventHandover, "ada", 30, map[string]string{"to": "bob"}},
			{review.EventLeave, "cy", 30, nil},
		}
		got := make([]row, len(events))
		for i, e := range events {
			got[i] = row{e.Kind, e.User, e.MediaTime, e.Detail}
			if e.Session != f.id || (i > 0 && (e.Seq <= events[i-1].Seq || e.At.Before(events[i-1].At))) {
				t.Fatalf("event %d out of order: %+v after %+v", i, e, events[i-1])
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("events:\n got %+v\nwant %+v", got, want)
		}

		var js bytes.Buffer
		checkErr(t, f.svc.ExportEvents(ctx, f.id, review.FormatJSON, &js), nil)
		var back []review.Event
		if err := json.Unmarshal(js.Bytes(), &back); err != nil || !reflect.DeepEqual(back, events) {
			t.Fatalf("JSON export: %v\n%s", err, js.Bytes())
		}
		var cs bytes.Buffer
		checkErr(t, f.svc.ExportEvents(ctx, f.id, review.FormatCSV, &cs), nil)
		rows, err := csv.NewReader(&cs).ReadAll()
		checkErr(t, err, nil)
		if len(rows) != len(events)+1 || !reflect.DeepEqual(rows[0], []string{"seq", "at", "kind", "user", "media_time", "detail"}) ||
			!reflect.DeepEqual(rows[4][2:5], []string{"pause", "ada", "12.5"}) || rows[9][5] != `{"to":"bob"}` {
			t.Fatalf("CSV export:\n%s", cs.String())
		}
		checkErr(t, f.svc.ExportEvents(ctx, f.id, "xml", &cs), review.ErrInvalid)
		_, err = f.svc.Events(ctx, "nosuchsession")
		checkErr(t, err, review.ErrNotFound)
	})
}
