package review_test

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"atelier/review"
	"atelier/store"
	"atelier/store/postgres"
	"atelier/store/postgres/pgtest"
	"atelier/store/sqlite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// database opens the same database, empty at first, each time it is
// called; every store it opens is closed when the test ends.
type database func() store.Store

// bothStores runs fn against SQLite and PostgreSQL: same behaviour, same
// tests.
func bothStores(t *testing.T, fn func(t *testing.T, db database)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteDB(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgresDB(t)) })
}

func sqliteDB(t *testing.T) database {
	path := filepath.Join(t.TempDir(), "review.db")
	return func() store.Store {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
}

func postgresDB(t *testing.T) database {
	_, dsn := pgtest.Schema(t)
	return func() store.Store {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
}

// newService runs a service over st until the test ends.
func newService(t *testing.T, st store.Store, cfg review.Config) *review.Service {
	t.Helper()
	svc := review.New(st, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), cfg)
	if err := svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

// newWorld creates an empty world in st and returns its id.
func newWorld(t *testing.T, st store.Store) store.WorldID {
	t.Helper()
	id := store.WorldID(fmt.Sprintf("%x-%x-%x-%x-%x", rnd(4), rnd(2), rnd(2), rnd(2), rnd(6)))
	doc := store.DocID(fmt.Sprintf("doc%x", rnd(12)))
	w := store.World{ID: id, Name: "set", Manifest: doc, CreatedAt: time.Now(), CreatedBy: "ada"}
	docs := []store.NewDocument{{Document: store.Document{ID: doc, Kind: store.KindManifest}}}
	if err := st.CreateWorld(context.Background(), w, docs); err != nil {
		t.Fatal(err)
	}
	return id
}

func rnd(n int) []byte {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return b
}

// fixture is a session with a driver (ada), an annotator (bob) and a
// viewer (cy).
type fixture struct {
	svc   *review.Service
	st    store.Store
	world store.WorldID
	id    review.SessionID
}

func newFixture(t *testing.T, db database, cfg review.Config) *fixture {
	t.Helper()
	st := db()
	f := &fixture{svc: newService(t, st, cfg), st: st, world: newWorld(t, st)}
	sess, err := f.svc.CreateSession(context.Background(), "ada", review.SessionInput{Title: "Dailies", World: f.world, Build: "b42"})
	if err != nil {
		t.Fatal(err)
	}
	f.id = sess.ID
	f.join(t, "ada", review.RoleDriver)
	f.join(t, "bob", review.RoleAnnotator)
	f.join(t, "cy", review.RoleViewer)
	return f
}

func (f *fixture) join(t *testing.T, user string, role review.Role) review.PlaybackState {
	t.Helper()
	st, err := f.svc.Join(context.Background(), f.id, user, role)
	if err != nil {
		t.Fatalf("Join(%s, %s): %v", user, role, err)
	}
	return st
}

func (f *fixture) control(t *testing.T, user string, c review.Command) review.PlaybackState {
	t.Helper()
	st, err := f.svc.Control(context.Background(), f.id, user, c)
	if err != nil {
		t.Fatalf("Control(%s, %+v): %v", user, c, err)
	}
	return st
}

func (f *fixture) pause(t *testing.T, media float64, rtp uint32) review.PlaybackState {
	t.Helper()
	return f.control(t, "ada", review.Command{Action: review.ActionPause, MediaTime: media, RTPTimestamp: rtp})
}

func (f *fixture) annotate(t *testing.T, user string, in review.AnnotationInput) review.Annotation {
	t.Helper()
	a, err := f.svc.Annotate(context.Background(), f.id, user, in)
	if err != nil {
		t.Fatalf("Annotate: %v", err)
	}
	return a
}

// arrow is a valid annotation on the paused frame.
func arrow(text string) review.AnnotationInput {
	return review.AnnotationInput{
		Shapes: []review.Shape{{Kind: review.ShapeArrow, Points: []review.Point{{0.1, 0.2}, {0.5, 0.6}}}},
		Text:   text,
		Colour: "#FF8800",
		Camera: &review.Camera{P: [3]float64{1.5, 2, -3.25}, Q: [4]float64{0, 0, 0, 2}},
		Nodes:  []string{"lamp-1", "table-2"},
		Tick:   1200,
	}
}

// checkErr fails t unless err is want (nil for none).
func checkErr(t testing.TB, err, want error) {
	t.Helper()
	if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

// pngImage returns a PNG of w×h pixels.
func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegImage returns a JPEG of w×h pixels.
func jpegImage(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testImage returns an image of noise, which compresses badly: its PNG
// is about 3 bytes a pixel.
func testImage(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	noise := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.NRGBA{uint8(noise.Uint32()), uint8(noise.Uint32()), uint8(noise.Uint32()), 255})
		}
	}
	return img
}

// eventually polls cond until it holds, failing t after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// discard is a logger that writes nothing.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func storeWorld(s string) store.WorldID { return store.WorldID(s) }
