package review_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"atelier/review"
)

// reader drains a subscription into a list of messages until it ends.
type reader struct {
	mu   sync.Mutex
	msgs []review.Message
	done chan struct{}
}

func read(t *testing.T, sub *review.Subscription) *reader {
	r := &reader{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for b := range sub.C {
			var m review.Message
			if err := json.Unmarshal(b, &m); err != nil {
				t.Errorf("message %s: %v", b, err)
			}
			r.mu.Lock()
			r.msgs = append(r.msgs, m)
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() { sub.Close(); <-r.done })
	return r
}

func (r *reader) messages() []review.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]review.Message(nil), r.msgs...)
}

// lastVersion returns the version of the newest state r has received.
func (r *reader) lastVersion() int64 {
	var v int64
	for _, m := range r.messages() {
		if m.State != nil {
			v = m.State.Version
		}
	}
	return v
}

func subscribe(t *testing.T, svc *review.Service, id review.SessionID, user string) *review.Subscription {
	t.Helper()
	sub, err := svc.Subscribe(context.Background(), id, user)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", user, err)
	}
	return sub
}

// TestHubFanOut has two subscribers that read and one that never does
// while the driver pauses again and again: the slow one is dropped, the
// others receive every state, in order, and learn that it left.
func TestHubFanOut(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		const queue, pauses = 4, 20
		f := newFixture(t, db, review.Config{SubscriberQueue: queue})
		f.join(t, "dan", review.RoleViewer)
		bob, cy := read(t, subscribe(t, f.svc, f.id, "bob")), read(t, subscribe(t, f.svc, f.id, "cy"))
		slow := subscribe(t, f.svc, f.id, "dan")
		t.Cleanup(slow.Close)
		var last review.PlaybackState
		for i := range pauses {
			last = f.pause(t, float64(i), uint32(i*3000))
		}
		for _, r := range []*reader{bob, cy} {
			eventually(t, "the last state", func() bool { return r.lastVersion() == last.Version })
			var versions []int64
			for _, m := range r.messages() {
				if m.Type == review.MessageState {
					versions = append(versions, m.State.Version)
				}
			}
			if len(versions) != pauses || versions[pauses-1] != last.Version || versions[0] != last.Version-pauses+1 {
				t.Fatalf("states received: %v (last %d)", versions, last.Version)
			}
		}
		eventually(t, "the slow subscriber dropped", func() bool { return f.svc.Hub().Dropped() == 1 })
		n := 0
		for range slow.C {
			n++
		}
		checkErr(t, slow.Err(), review.ErrSlowSubscriber)
		if n != queue+1 {
			t.Fatalf("the slow subscriber had %d messages queued, want the snapshot and %d", n, queue)
		}
		eventually(t, "dan's leaving announced", func() bool { return hasPresence(bob.messages(), "leave", "dan") })
		if hasPresence(bob.messages(), "leave", "cy") {
			t.Fatal("cy announced as leaving")
		}
	})
}

func hasPresence(msgs []review.Message, event, user string) bool {
	for _, m := range msgs {
		if m.Type == review.MessagePresence && m.Event == event && m.User == user {
			return true
		}
	}
	return false
}

// TestSubscribeSnapshot subscribes after a pause, and again on a new
// service over a reopened store: the first message is the state, so a
// reconnecting client holds the same frame.
func TestSubscribeSnapshot(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		ctx := context.Background()
		f := newFixture(t, db, review.Config{})
		paused := f.pause(t, 33.5, 3015000)
		bob := read(t, subscribe(t, f.svc, f.id, "bob"))
		eventually(t, "a snapshot", func() bool { return len(bob.messages()) > 0 })
		snap := bob.messages()[0]
		if snap.Type != review.MessageSnapshot || !reflect.DeepEqual(*snap.State, paused) || !reflect.DeepEqual(snap.Present, []string{"bob"}) {
			t.Fatalf("snapshot %+v", snap)
		}
		cy := read(t, subscribe(t, f.svc, f.id, "cy"))
		eventually(t, "cy's joining announced", func() bool { return hasPresence(bob.messages(), "join", "cy") })
		eventually(t, "cy's snapshot", func() bool { return len(cy.messages()) > 0 })
		if got := cy.messages()[0].Present; !reflect.DeepEqual(got, []string{"bob", "cy"}) {
			t.Fatalf("present: %v", got)
		}

		restarted := newService(t, db(), review.Config{})
		again := read(t, subscribe(t, restarted, f.id, "cy"))
		eventually(t, "a snapshot after the restart", func() bool { return len(again.messages()) > 0 })
		if got := again.messages()[0]; got.Type != review.MessageSnapshot || !reflect.DeepEqual(*got.State, paused) {
			t.Fatalf("snapshot after a restart %+v", got)
		}

		_, err := f.svc.Subscribe(ctx, f.id, "dan")
		checkErr(t, err, review.ErrForbidden)
		_, err = f.svc.Subscribe(ctx, "nosuchsession", "bob")
		checkErr(t, err, review.ErrNotFound)
		if n := f.svc.Hub().Subscribers(f.id); n != 2 {
			t.Fatalf("%d subscribers after refused subscriptions, want 2", n)
		}
	})
}

// TestHubMessages checks that annotations, frames and tasks reach
// subscribers, and that closing the service ends subscriptions.
func TestHubMessages(t *testing.T) {
	f := newFixture(t, sqliteDB(t), review.Config{})
	f.pause(t, 1, 90000)
	sub := subscribe(t, f.svc, f.id, "cy")
	cy := read(t, sub)
	in := arrow("seen by all")
	in.Task = &review.TaskInput{Title: "t"}
	a := f.annotate(t, "bob", in)
	_, err := f.svc.UploadFrame(context.Background(), a.ID, "bob", pngImage(t, 2, 2))
	checkErr(t, err, nil)
	eventually(t, "three messages after the snapshot", func() bool { return len(cy.messages()) == 4 })
	msgs := cy.messages()
	if msgs[1].Type != review.MessageAnnotation || msgs[1].Event != "created" || msgs[1].Annotation.ID != a.ID ||
		msgs[2].Type != review.MessageTask || msgs[2].Event != "created" || msgs[2].Task.ID != a.Tasks[0] ||
		msgs[3].Type != review.MessageAnnotation || msgs[3].Event != "frame" || msgs[3].Annotation.FrameType != "image/png" {
		t.Fatalf("messages %+v", msgs)
	}
	checkErr(t, f.svc.Close(), nil)
	select {
	case <-cy.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the subscription outlived the service")
	}
	checkErr(t, sub.Err(), review.ErrClosed)
	sub.Close() // after the hub closed: nothing
	_, err = f.svc.Subscribe(context.Background(), f.id, "cy")
	checkErr(t, err, review.ErrClosed)
}

// TestSubscribeRacingChanges subscribes while the driver keeps pausing:
// every subscriber ends on the last state, whenever its snapshot was
// taken, and never sees a state older than one it saw.
func TestSubscribeRacingChanges(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		const pauses, subscribers = 30, 8
		f := newFixture(t, db, review.Config{SubscriberQueue: 2 * pauses})
		done := make(chan review.PlaybackState)
		go func() {
			var last review.PlaybackState
			for i := range pauses {
				last, _ = f.svc.Control(context.Background(), f.id, "ada", review.Command{Action: review.ActionPause, MediaTime: float64(i)})
			}
			done <- last
		}()
		var readers []*reader
		for range subscribers {
			readers = append(readers, read(t, subscribe(t, f.svc, f.id, "bob")))
		}
		last := <-done
		for i, r := range readers {
			eventually(t, "the last state", func() bool { return r.lastVersion() == last.Version })
			var seen int64
			for _, m := range r.messages() {
				if m.State != nil {
					if m.State.Version <= seen {
						t.Fatalf("subscriber %d saw version %d after %d", i, m.State.Version, seen)
					}
					seen = m.State.Version
				}
			}
		}
	})
}
