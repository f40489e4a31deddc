package review

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is an export's file format.
type Format string

// Export formats.
const (
	FormatJSON Format = "json"
	FormatCSV  Format = "csv"
)

func (f Format) check() error {
	if f != FormatJSON && f != FormatCSV {
		return invalid("format", "%q is not json or csv", f)
	}
	return nil
}

// Notes is a session's notes as ExportNotes writes them in JSON.
type Notes struct {
	Session     Session      `json:"session"`
	Annotations []Annotation `json:"annotations"`
	Tasks       []Task       `json:"tasks"`
}

// notesHeader is the header row of a CSV export of notes.
var notesHeader = []string{"annotation", "media_time", "rtp_timestamp", "author", "created_at", "shapes", "shape_data",
	"text", "colour", "world", "build", "tick", "camera", "nodes", "frame", "annotation_link",
	"task", "task_title", "task_status", "task_priority", "task_assignee", "task_link"}

// ExportNotes writes a session's notes (its annotations along the
// timeline, and its tasks) to w. JSON is one Notes object. CSV has a
// header, then a row per annotation and task linked to it (an annotation
// of no task has one row with empty task columns, a task of no annotation
// one row with empty annotation columns). Text cells that a spreadsheet
// would take for a formula are prefixed with an apostrophe.
func (s *Service) ExportNotes(ctx context.Context, id SessionID, f Format, w io.Writer) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("export notes of %s: %w", id, err)
	}
	sess, err := s.Session(ctx, id)
	if err != nil {
		return err
	}
	anns, err := s.Annotations(ctx, id)
	if err != nil {
		return err
	}
	tasks, err := s.ListTasks(ctx, TaskFilter{Session: id})
	if err != nil {
		return err
	}
	if f == FormatJSON {
		return writeJSON(w, Notes{Session: sess, Annotations: anns, Tasks: tasks})
	}
	return writeNotesCSV(w, anns, tasks)
}

func writeNotesCSV(w io.Writer, anns []Annotation, tasks []Task) error {
	byID := make(map[TaskID]Task, len(tasks))
	linked := map[TaskID]bool{}
	for _, t := range tasks {
		byID[t.ID] = t
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(notesHeader)
	for _, a := range anns {
		if len(a.Tasks) == 0 {
			_ = cw.Write(append(annotationCells(a), taskCells(nil)...))
		}
		for _, id := range a.Tasks {
			t := byID[id]
			linked[id] = true
			_ = cw.Write(append(annotationCells(a), taskCells(&t)...))
		}
	}
	for _, t := range tasks {
		if !linked[t.ID] {
			_ = cw.Write(append(annotationCells(Annotation{}), taskCells(&t)...))
		}
	}
	cw.Flush()
	return cw.Error()
}

// annotationCells returns an annotation's CSV cells; the zero annotation's
// are empty.
func annotationCells(a Annotation) []string {
	if a.ID == "" {
		return make([]string, 16)
	}
	kinds := make([]string, len(a.Shapes))
	for i, sh := range a.Shapes {
		kinds[i] = string(sh.Kind)
	}
	shapes, _ := json.Marshal(a.Shapes)
	camera := ""
	if a.Camera != nil {
		vals := append(a.Camera.P[:], a.Camera.Q[:]...)
		nums := make([]string, len(vals))
		for i, v := range vals {
			nums[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		camera = strings.Join(nums, ",")
	}
	return []string{string(a.ID), csvSeconds(a.MediaTime), strconv.FormatUint(uint64(a.RTPTimestamp), 10),
		cell(a.Author), csvTime(a.CreatedAt), strings.Join(kinds, " "), string(shapes), cell(a.Text), a.Colour,
		cell(string(a.World)), cell(a.Build), strconv.FormatInt(a.Tick, 10), camera, cell(strings.Join(a.Nodes, " ")),
		a.FrameType, a.DeepLink}
}

// taskCells returns a task's CSV cells; nil's are empty.
func taskCells(t *Task) []string {
	if t == nil || t.ID == "" {
		return make([]string, 6)
	}
	return []string{string(t.ID), cell(t.Title), string(t.Status), string(t.Priority), cell(t.Assignee), t.DeepLink}
}

// cell defuses a text cell that a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvTime writes a time as RFC 3339 in UTC, to the microsecond.
func csvTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00") }

// csvSeconds writes a media time in seconds with its shortest exact digits.
func csvSeconds(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
