package review_test

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"atelier/review"
)

// TestAnnotateRefused gives Annotate bad input, each case a valid
// annotation with one thing wrong: each is refused with a clear error and
// leaves no annotation, task, frame or event behind.
func TestAnnotateRefused(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{MaxPoints: 16, MaxFrameBytes: 4096})
		f.pause(t, 5, 450000)
		kept := f.annotate(t, "bob", arrow("kept"))
		task, err := f.svc.CreateTask(ctx, f.id, "bob", review.TaskInput{Title: "kept", Annotations: []review.AnnotationID{kept.ID}})
		checkErr(t, err, nil)
		otherSess, err := f.svc.CreateSession(ctx, "ada", review.SessionInput{Title: "other"})
		checkErr(t, err, nil)
		f.svc.Join(ctx, otherSess.ID, "bob", review.RoleAnnotator)
		foreign, err := f.svc.CreateTask(ctx, otherSess.ID, "bob", review.TaskInput{Title: "elsewhere"})
		checkErr(t, err, nil)
		before := snapshotOf(t, f)

		nan, big := math.NaN(), 1e300
		tests := []struct {
			name string
			mod  func(in *review.AnnotationInput)
			err  error
		}{
			{"colour name", func(in *review.AnnotationInput) { in.Colour = "red" }, review.ErrInvalid},
			{"short colour", func(in *review.AnnotationInput) { in.Colour = "#12345" }, review.ErrInvalid},
			{"colour not hex", func(in *review.AnnotationInput) { in.Colour = "#gg0000" }, review.ErrInvalid},
			{"no colour", func(in *review.AnnotationInput) { in.Colour = "" }, review.ErrInvalid},
			{"NaN point", func(in *review.AnnotationInput) { in.Shapes[0].Points[0][1] = nan }, review.ErrInvalid},
			{"infinite point", func(in *review.AnnotationInput) { in.Shapes[0].Points[1][0] = math.Inf(1) }, review.ErrInvalid},
			{"point past 1", func(in *review.AnnotationInput) { in.Shapes[0].Points[1][0] = 1.0001 }, review.ErrInvalid},
			{"negative point", func(in *review.AnnotationInput) { in.Shapes[0].Points[0][0] = -0.01 }, review.ErrInvalid},
			{"too many points", func(in *review.AnnotationInput) { in.Shapes = []review.Shape{freehand(17)} }, review.ErrInvalid},
			{"one freehand point", func(in *review.AnnotationInput) { in.Shapes = []review.Shape{freehand(1)} }, review.ErrInvalid},
			{"arrow of three points", func(in *review.AnnotationInput) { in.Shapes[0].Points = freehand(3).Points }, review.ErrInvalid},
			{"unknown shape", func(in *review.AnnotationInput) { in.Shapes[0].Kind = "star" }, review.ErrInvalid},
			{"no shapes", func(in *review.AnnotationInput) { in.Shapes = nil }, review.ErrInvalid},
			{"too many shapes", func(in *review.AnnotationInput) {
				in.Shapes = make([]review.Shape, review.MaxShapes+1)
				for i := range in.Shapes {
					in.Shapes[i] = freehand(2)
				}
			}, review.ErrInvalid},
			{"a bad second shape", func(in *review.AnnotationInput) { in.Shapes = append(in.Shapes, freehand(1)) }, review.ErrInvalid},
			{"text shape without text", func(in *review.AnnotationInput) {
				in.Shapes, in.Text = []review.Shape{{Kind: review.ShapeText, Points: []review.Point{{0.5, 0.5}}}}, ""
			}, review.ErrInvalid},
			{"NUL in text", func(in *review.AnnotationInput) { in.Text = "a\x00b" }, review.ErrInvalid},
			{"text not UTF-8", func(in *review.AnnotationInput) { in.Text = "\xff\xfe" }, review.ErrInvalid},
			{"text too long", func(in *review.AnnotationInput) { in.Text = strings.Repeat("é", review.MaxText+1) }, review.ErrInvalid},
			{"NaN media time", func(in *review.AnnotationInput) { in.MediaTime = &nan }, review.ErrInvalid},
			{"media time out of range", func(in *review.AnnotationInput) { in.MediaTime = &big }, review.ErrInvalid},
			{"NaN camera", func(in *review.AnnotationInput) { in.Camera.P[2] = nan }, review.ErrInvalid},
			{"zero quaternion", func(in *review.AnnotationInput) { in.Camera.Q = [4]float64{} }, review.ErrInvalid},
			{"camera far away", func(in *review.AnnotationInput) { in.Camera.P[0] = 1e12 }, review.ErrInvalid},
			{"too many nodes", func(in *review.AnnotationInput) { in.Nodes = make([]string, review.MaxNodes+1) }, review.ErrInvalid},
			{"empty node id", func(in *review.AnnotationInput) { in.Nodes = []string{""} }, review.ErrInvalid},
			{"negative tick", func(in *review.AnnotationInput) { in.Tick = -1 }, review.ErrInvalid},
			{"another world", func(in *review.AnnotationInput) { in.World = newWorld(t, f.st) }, review.ErrInvalid},
			{"oversize image", func(in *review.AnnotationInput) { in.Frame = pngImage(t, 200, 200) }, review.ErrTooLarge},
			{"not an image", func(in *review.AnnotationInput) { in.Frame = []byte("GIF89a is not allowed, nor is text") }, review.ErrInvalid},
			{"gif", func(in *review.AnnotationInput) { in.Frame = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;") }, review.ErrInvalid},
			{"truncated png", func(in *review.AnnotationInput) { in.Frame = pngImage(t, 8, 8)[:20] }, review.ErrInvalid},
			{"task and attachTo", func(in *review.AnnotationInput) {
				in.Task, in.AttachTo = &review.TaskInput{Title: "t"}, task.ID
			}, review.ErrInvalid},
			{"task without title", func(in *review.AnnotationInput) { in.Task = &review.TaskInput{} }, review.ErrInvalid},
			{"task of bad status", func(in *review.AnnotationInput) { in.Task = &review.TaskInput{Title: "t", Status: "wontfix"} }, review.ErrInvalid},
			{"task linking another session", func(in *review.AnnotationInput) {
				in.Task = &review.TaskInput{Title: "t", Annotations: []review.AnnotationID{"nosuchannotation"}}
			}, review.ErrInvalid},
			{"attach to an unknown task", func(in *review.AnnotationInput) { in.AttachTo = "nosuchtask" }, review.ErrNotFound},
			{"attach to another session's task", func(in *review.AnnotationInput) { in.AttachTo = foreign.ID }, review.ErrInvalid},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := arrow("refused")
				in.Camera = &review.Camera{P: in.Camera.P, Q: in.Camera.Q}
				in.Shapes = []review.Shape{{Kind: in.Shapes[0].Kind, Points: append([]review.Point(nil), in.Shapes[0].Points...)}}
				tc.mod(&in)
				_, err := f.svc.Annotate(ctx, f.id, "bob", in)
				checkErr(t, err, tc.err)
				checkUnchanged(t, f, before)
			})
		}
		t.Run("live frame without a media time", func(t *testing.T) {
			f.control(t, "ada", review.Command{Action: review.ActionResume})
			before := snapshotOf(t, f)
			_, err := f.svc.Annotate(ctx, f.id, "bob", arrow("on the live stream"))
			checkErr(t, err, review.ErrInvalid)
			checkUnchanged(t, f, before)
		})
	})
}

// stored is what a session holds, to check that a refused call wrote
// nothing.
type stored struct {
	Annotations []review.Annotation
	Tasks       []review.Task
	Events      []review.Event
}

func snapshotOf(t *testing.T, f *fixture) stored {
	t.Helper()
	ctx := context.Background()
	as, err := f.svc.Annotations(ctx, f.id)
	checkErr(t, err, nil)
	ts, err := f.svc.ListTasks(ctx, review.TaskFilter{})
	checkErr(t, err, nil)
	es, err := f.svc.Events(ctx, f.id)
	checkErr(t, err, nil)
	return stored{as, ts, es}
}

// checkUnchanged fails t unless f's session holds what it did before.
func checkUnchanged(t *testing.T, f *fixture, before stored) {
	t.Helper()
	if after := snapshotOf(t, f); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused call changed the session:\nbefore %+v\n after %+v", before, after)
	}
}

func freehand(n int) review.Shape {
	sh := review.Shape{Kind: review.ShapeFreehand}
	for i := range n {
		sh.Points = append(sh.Points, review.Point{float64(i) / float64(n), 0.5})
	}
	return sh
}

// TestAnnotate stores annotations on paused and live frames, with a frame
// image, and lists them along the timeline.
func TestAnnotate(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{LinkBase: "https://atelier.test/"})
		f.pause(t, 42.125, 3791250)
		frame := pngImage(t, 64, 36)
		in := arrow("the lamp — flickers\nhere")
		in.Frame = frame
		a := f.annotate(t, "bob", in)
		want := review.Annotation{ID: a.ID, Session: f.id, Author: "bob", CreatedAt: a.CreatedAt, MediaTime: 42.125,
			RTPTimestamp: 3791250, Shapes: in.Shapes, Text: in.Text, Colour: "#ff8800", World: f.world, Build: "b42",
			Tick: 1200, Camera: &review.Camera{P: [3]float64{1.5, 2, -3.25}, Q: [4]float64{0, 0, 0, 1}},
			Nodes: []string{"lamp-1", "table-2"}, FrameType: "image/png",
			DeepLink: "https://atelier.test/worlds/" + string(f.world) + "?camera=1.5,2,-3.25,0,0,0,1&select=lamp-1"}
		if !reflect.DeepEqual(a, want) {
			t.Fatalf("Annotate =\n %+v\nwant\n %+v", a, want)
		}
		got, err := f.svc.Frame(ctx, a.ID)
		checkErr(t, err, nil)
		if got.ContentType != "image/png" || !bytes.Equal(got.Data, frame) {
			t.Fatalf("Frame = %s, %d bytes", got.ContentType, len(got.Data))
		}

		f.control(t, "ada", review.Command{Action: review.ActionResume})
		early, rtp := 7.5, uint32(675000)
		live := review.AnnotationInput{Shapes: []review.Shape{freehand(50)}, Colour: "#00ff00", MediaTime: &early, RTPTimestamp: &rtp}
		b := f.annotate(t, "ada", live)
		if b.MediaTime != 7.5 || b.RTPTimestamp != 675000 || b.Camera != nil || b.FrameType != "" ||
			b.DeepLink != "https://atelier.test/worlds/"+string(f.world) {
			t.Fatalf("annotation of a live frame: %+v", b)
		}
		_, err = f.svc.Frame(ctx, b.ID)
		checkErr(t, err, review.ErrNotFound)
		list, err := f.svc.Annotations(ctx, f.id)
		checkErr(t, err, nil)
		if len(list) != 2 || list[0].ID != b.ID || !reflect.DeepEqual(list[1], a) {
			t.Fatalf("timeline: %+v", list)
		}
		_, err = f.svc.Annotations(ctx, "nosuchsession")
		checkErr(t, err, review.ErrNotFound)
	})
}

func TestUploadFrame(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{MaxFrameBytes: 64 << 10})
		f.pause(t, 1, 90000)
		a := f.annotate(t, "bob", arrow("frame comes later"))
		img := jpegImage(t, 32, 18)
		tests := []struct {
			name, user string
			data       []byte
			err        error
		}{
			{"not the author", "ada", img, review.ErrForbidden},
			{"too large", "bob", pngImage(t, 400, 400), review.ErrTooLarge},
			{"not an image", "bob", []byte("<html>hello</html>"), review.ErrInvalid},
			{"empty", "bob", nil, review.ErrInvalid},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.UploadFrame(ctx, a.ID, tc.user, tc.data)
				checkErr(t, err, tc.err)
				_, err = f.svc.Frame(ctx, a.ID)
				checkErr(t, err, review.ErrNotFound)
			})
		}
		got, err := f.svc.UploadFrame(ctx, a.ID, "bob", img)
		checkErr(t, err, nil)
		if got.FrameType != "image/jpeg" {
			t.Fatalf("FrameType = %q", got.FrameType)
		}
		_, err = f.svc.UploadFrame(ctx, a.ID, "bob", img) // a retried upload
		checkErr(t, err, nil)
		_, err = f.svc.UploadFrame(ctx, a.ID, "bob", jpegImage(t, 32, 19))
		checkErr(t, err, review.ErrConflict)
		_, err = f.svc.UploadFrame(ctx, "nosuchannotation", "bob", img)
		checkErr(t, err, review.ErrNotFound)
		fr, err := f.svc.Frame(ctx, a.ID)
		checkErr(t, err, nil)
		if !bytes.Equal(fr.Data, img) {
			t.Fatal("the stored frame is not the one uploaded")
		}
	})
}
