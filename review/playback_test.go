package review_test

import (
	"context"
	"math"
	"reflect"
	"testing"

	"atelier/review"
)

func TestCreateSession(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		st := db()
		svc := newService(t, st, review.Config{})
		w := newWorld(t, st)
		sess, err := svc.CreateSession(ctx, "ada", review.SessionInput{Title: "Lighting pass", World: w, Build: "b7"})
		checkErr(t, err, nil)
		if len(sess.ID) != 26 || sess.State.Version != 0 || !sess.State.Live || sess.State.Driver != "" {
			t.Fatalf("new session %+v", sess)
		}
		for _, c := range sess.ID {
			if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
				t.Fatalf("session id %q is not lowercase base32", sess.ID)
			}
		}
		got, err := svc.Session(ctx, sess.ID)
		checkErr(t, err, nil)
		if !reflect.DeepEqual(got, sess) {
			t.Fatalf("Session = %+v, want %+v", got, sess)
		}
		other, err := svc.CreateSession(ctx, "ada", review.SessionInput{Title: "no world"})
		checkErr(t, err, nil)
		if other.ID == sess.ID {
			t.Fatal("two sessions share an id")
		}
		for _, in := range []review.SessionInput{{}, {Title: "x\x00y"}, {Title: "x", World: "no-such-world"}, {Title: string(make([]byte, 300))}} {
			_, err := svc.CreateSession(ctx, "ada", in)
			checkErr(t, err, review.ErrInvalid)
		}
		_, err = svc.Session(ctx, "nosuchsession")
		checkErr(t, err, review.ErrNotFound)
	})
}

func TestRoles(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{})
		pause := review.Command{Action: review.ActionPause, MediaTime: 3, RTPTimestamp: 270000}
		f.pause(t, 1, 90000)

		_, err := f.svc.Annotate(ctx, f.id, "cy", arrow("viewers cannot annotate"))
		checkErr(t, err, review.ErrForbidden)
		_, err = f.svc.Annotate(ctx, f.id, "dan", arrow("nor can strangers"))
		checkErr(t, err, review.ErrForbidden)
		_, err = f.svc.CreateTask(ctx, f.id, "cy", review.TaskInput{Title: "nor raise tasks"})
		checkErr(t, err, review.ErrForbidden)
		for _, user := range []string{"bob", "cy", "dan"} {
			_, err = f.svc.Control(ctx, f.id, user, pause)
			checkErr(t, err, review.ErrForbidden)
		}
		_, err = f.svc.Join(ctx, f.id, "bob", review.RoleDriver)
		checkErr(t, err, review.ErrConflict)
		f.annotate(t, "bob", arrow("annotators annotate"))
		f.annotate(t, "ada", arrow("so does the driver"))

		_, err = f.svc.Control(ctx, f.id, "ada", review.Command{Action: review.ActionHandover, To: "dan"})
		checkErr(t, err, review.ErrInvalid)
		st := f.control(t, "ada", review.Command{Action: review.ActionHandover, To: "bob"})
		if st.Driver != "bob" || role(st, "bob") != review.RoleDriver || role(st, "ada") != review.RoleAnnotator {
			t.Fatalf("after the handover: %+v", st)
		}
		_, err = f.svc.Control(ctx, f.id, "ada", pause)
		checkErr(t, err, review.ErrForbidden)
		f.control(t, "bob", pause)

		st, err = f.svc.Leave(ctx, f.id, "bob")
		checkErr(t, err, nil)
		if st.Driver != "" || role(st, "bob") != "" {
			t.Fatalf("after the driver left: %+v", st)
		}
		st = f.join(t, "cy", review.RoleDriver)
		if st.Driver != "cy" {
			t.Fatalf("a viewer took the free seat: %+v", st)
		}
		st = f.join(t, "cy", review.RoleViewer)
		if st.Driver != "" || role(st, "cy") != review.RoleViewer {
			t.Fatalf("the driver joined again as a viewer: %+v", st)
		}
		_, err = f.svc.Join(ctx, f.id, "cy", "boss")
		checkErr(t, err, review.ErrInvalid)
		_, err = f.svc.Join(ctx, "nosuchsession", "cy", review.RoleViewer)
		checkErr(t, err, review.ErrNotFound)
	})
}

func role(st review.PlaybackState, user string) review.Role {
	r, _ := st.Role(user)
	return r
}

// TestPauseShared pauses, seeks and resumes: the state every member sees
// moves one version per change, a change that changes nothing is not one,
// and a new service on a reopened store (a restart) serves the same state.
func TestPauseShared(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{})
		v0 := f.join(t, "cy", review.RoleViewer).Version // joining again changes nothing
		st := f.pause(t, 12.5, 1125000)
		if !st.Paused || st.Live || st.MediaTime != 12.5 || st.RTPTimestamp != 1125000 || st.Version != v0+1 || st.UpdatedBy != "ada" {
			t.Fatalf("after pause: %+v (version before %d)", st, v0)
		}
		st = f.control(t, "ada", review.Command{Action: review.ActionSeek, MediaTime: 20.25, RTPTimestamp: 1822500, IfVersion: st.Version})
		if !st.Paused || st.MediaTime != 20.25 || st.Version != v0+2 {
			t.Fatalf("after seek: %+v", st)
		}
		_, err := f.svc.Control(ctx, f.id, "ada", review.Command{Action: review.ActionResume, IfVersion: v0 + 1})
		checkErr(t, err, review.ErrConflict)
		for _, bad := range []review.Command{{Action: "rewind"}, {Action: review.ActionPause, MediaTime: math.NaN()},
			{Action: review.ActionSeek, MediaTime: -1}, {Action: review.ActionHandover}} {
			_, err := f.svc.Control(ctx, f.id, "ada", bad)
			checkErr(t, err, review.ErrInvalid)
		}
		paused, err := f.svc.Session(ctx, f.id)
		checkErr(t, err, nil)
		if !reflect.DeepEqual(paused.State, st) {
			t.Fatalf("Session().State = %+v, want %+v", paused.State, st)
		}

		restarted := newService(t, db(), review.Config{})
		again, err := restarted.Session(ctx, f.id)
		checkErr(t, err, nil)
		if !reflect.DeepEqual(again.State, st) {
			t.Fatalf("after a restart, state = %+v, want %+v", again.State, st)
		}
		st, err = restarted.Control(ctx, f.id, "ada", review.Command{Action: review.ActionResume})
		checkErr(t, err, nil)
		if st.Paused || !st.Live || st.Version != v0+3 {
			t.Fatalf("after resume: %+v", st)
		}
		same, err := restarted.Control(ctx, f.id, "ada", review.Command{Action: review.ActionResume})
		checkErr(t, err, nil)
		if !reflect.DeepEqual(same, st) {
			t.Fatalf("a second resume changed the state: %+v, was %+v", same, st)
		}
		old, err := f.svc.Session(ctx, f.id) // the first service reads it too
		checkErr(t, err, nil)
		if !reflect.DeepEqual(old.State, st) {
			t.Fatalf("the other service reads %+v, want %+v", old.State, st)
		}
	})
}

// TestConcurrentControl has two services (two servers on one database)
// pause the same session at once: every pause lands, one version each.
func TestConcurrentControl(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		const n = 10
		f := newFixture(t, db, review.Config{})
		other := newService(t, db(), review.Config{})
		start := f.join(t, "ada", review.RoleDriver).Version
		errs := make(chan error, 2*n)
		for _, svc := range []*review.Service{f.svc, other} {
			go func() {
				for i := range n {
					_, err := svc.Control(context.Background(), f.id, "ada", review.Command{Action: review.ActionPause, MediaTime: float64(i)})
					errs <- err
				}
			}()
		}
		for range 2 * n {
			checkErr(t, <-errs, nil)
		}
		sess, err := f.svc.Session(context.Background(), f.id)
		checkErr(t, err, nil)
		if sess.State.Version != start+2*n {
			t.Fatalf("version %d after %d pauses from %d", sess.State.Version, 2*n, start)
		}
	})
}
