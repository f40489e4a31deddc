package review_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"atelier/review"
)

// TestExportNotes exports a session with annotations (one raising a task,
// one attached to it, one with none) and a task of no annotation, as JSON
// and CSV.
func TestExportNotes(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{})
		f.pause(t, 20, 1800000)
		in := arrow("=HYPERLINK(\"http://evil\")")
		in.Task = &review.TaskInput{Title: "+1 for the lamp", Assignee: "grace"}
		in.Frame = pngImage(t, 4, 4)
		a1 := f.annotate(t, "bob", in)
		f.pause(t, 5.25, 472500)
		in2 := arrow("plain, with \"quotes\"\nand a line break")
		in2.AttachTo = a1.Tasks[0]
		a2 := f.annotate(t, "bob", in2)
		f.pause(t, 9, 810000)
		a3 := f.annotate(t, "ada", review.AnnotationInput{Shapes: []review.Shape{{Kind: review.ShapeText,
			Points: []review.Point{{0.5, 0.5}}}}, Text: "alone", Colour: "#000000"})
		lone, err := f.svc.CreateTask(ctx, f.id, "ada", review.TaskInput{Title: "no annotation"})
		checkErr(t, err, nil)

		var js bytes.Buffer
		checkErr(t, f.svc.ExportNotes(ctx, f.id, review.FormatJSON, &js), nil)
		var notes review.Notes
		if err := json.Unmarshal(js.Bytes(), &notes); err != nil {
			t.Fatalf("JSON export: %v\n%s", err, js.Bytes())
		}
		anns, err := f.svc.Annotations(ctx, f.id)
		checkErr(t, err, nil)
		if notes.Session.ID != f.id || !reflect.DeepEqual(notes.Annotations, anns) || len(notes.Tasks) != 2 ||
			notes.Tasks[0].ID != a1.Tasks[0] || notes.Tasks[1].ID != lone.ID || notes.Annotations[0].ID != a2.ID {
			t.Fatalf("JSON export:\n%s", js.Bytes())
		}

		var cs bytes.Buffer
		checkErr(t, f.svc.ExportNotes(ctx, f.id, review.FormatCSV, &cs), nil)
		rows, err := csv.NewReader(&cs).ReadAll()
		if err != nil || len(rows) != 5 {
			t.Fatalf("CSV export (%v):\n%s", err, cs.String())
		}
		head := rows[0]
		col := func(row []string, name string) string {
			for i, h := range head {
				if h == name {
					return row[i]
				}
			}
			t.Fatalf("no column %q in %v", name, head)
			return ""
		}
		// Along the timeline: a2 (5.25 s), a3 (9 s), a1 (20 s), then the lone task.
		want := []map[string]string{
			{"annotation": string(a2.ID), "media_time": "5.25", "text": in2.Text, "task": string(a1.Tasks[0]),
				"task_title": "'+1 for the lamp", "task_assignee": "grace", "frame": "", "shapes": "arrow"},
			{"annotation": string(a3.ID), "media_time": "9", "text": "alone", "task": "", "deep_link": "", "shapes": "text",
				"annotation_link": "/worlds/" + string(f.world)},
			{"annotation": string(a1.ID), "media_time": "20", "rtp_timestamp": "1800000", "author": "bob",
				"text": `'=HYPERLINK("http://evil")`, "frame": "image/png", "colour": "#ff8800", "build": "b42", "tick": "1200",
				"camera": "1.5,2,-3.25,0,0,0,1", "nodes": "lamp-1 table-2", "shapes": "arrow", "shape_data": `[{"kind":"arrow","points":[[0.1,0.2],[0.5,0.6]]}]`,
				"annotation_link": a1.DeepLink, "task_status": "open", "task_priority": "normal"},
			{"annotation": "", "media_time": "", "task": string(lone.ID), "task_title": "no annotation"},
		}
		for i, w := range want {
			for name, v := range w {
				if name == "deep_link" {
					continue
				}
				if got := col(rows[i+1], name); got != v {
					t.Errorf("row %d, %s = %q, want %q", i+1, name, got, v)
				}
			}
		}
		if !strings.HasPrefix(col(rows[3], "created_at"), "20") || !strings.HasSuffix(col(rows[3], "created_at"), "Z") {
			t.Errorf("created_at %q", col(rows[3], "created_at"))
		}
		checkErr(t, f.svc.ExportNotes(ctx, f.id, "pdf", &cs), review.ErrInvalid)
		checkErr(t, f.svc.ExportNotes(ctx, "nosuchsession", review.FormatCSV, &cs), review.ErrNotFound)
	})
}
