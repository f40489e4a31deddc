package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"atelier/store"
)

// newReview returns a review session of world w ("" for none) in its
// initial state.
func newReview(w store.WorldID) store.Review {
	return store.Review{
		ID: store.ReviewID("rv" + randomHex(16)), Title: "Dailies ✓ " + randomHex(2), World: w, Build: "build 42",
		CreatedAt: t0, CreatedBy: "ada",
		State: store.ReviewState{Live: true, UpdatedAt: t0, UpdatedBy: "ada"},
	}
}

// mustCreateReview creates a review session of w, failing t on an error.
func mustCreateReview(t testing.TB, s store.Store, w store.WorldID) store.Review {
	t.Helper()
	r := newReview(w)
	checkErr(t, s.CreateReview(context.Background(), r), nil)
	return r
}

// wantReview is r as GetReview returns it: times to the microsecond in UTC.
func wantReview(r store.Review) store.Review {
	r.CreatedAt, r.State.UpdatedAt = instant(r.CreatedAt), instant(r.State.UpdatedAt)
	r.State.MediaTime = r.State.MediaTime.Truncate(time.Microsecond)
	ms := make([]store.ReviewMember, len(r.State.Members))
	for i, m := range r.State.Members {
		m.JoinedAt = instant(m.JoinedAt)
		ms[i] = m
	}
	r.State.Members = nilIfEmpty(ms)
	return r
}

func checkReview(t testing.TB, s store.Store, want store.Review) {
	t.Helper()
	got, err := s.GetReview(context.Background(), want.ID)
	checkErr(t, err, nil)
	if want := wantReview(want); !reflect.DeepEqual(got, want) {
		t.Fatalf("review:\n got %+v\nwant %+v", got, want)
	}
}

// event returns an event of review r at t0 plus seconds.
func event(r store.ReviewID, kind string, seconds int) store.ReviewEvent {
	return store.ReviewEvent{Review: r, Kind: kind, User: "ada", At: t0.Add(time.Duration(seconds) * time.Second),
		MediaTime: time.Duration(seconds)*time.Second + 1500*time.Nanosecond, Detail: fmt.Appendf(nil, `{"n":%d}`, seconds)}
}

// checkEvents fails t unless review r's log is want, as stored, in order.
func checkEvents(t testing.TB, s store.Store, r store.ReviewID, want ...store.ReviewEvent) {
	t.Helper()
	got, err := s.ReviewEvents(context.Background(), r)
	checkErr(t, err, nil)
	if len(got) != len(want) {
		t.Fatalf("review %s has %d events, want %d: %+v", r, len(got), len(want), got)
	}
	for i := range want {
		w := want[i]
		w.Review, w.At, w.MediaTime = r, instant(w.At), w.MediaTime.Truncate(time.Microsecond)
		if i > 0 && got[i].Seq <= got[i-1].Seq {
			t.Fatalf("event %d has seq %d after %d", i, got[i].Seq, got[i-1].Seq)
		}
		w.Seq = got[i].Seq
		if !reflect.DeepEqual(got[i], w) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], w)
		}
	}
}

func testReviewRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, _ := mustCreate(t, s, 1)
	r := newReview(w.ID)
	r.State = store.ReviewState{Version: 7, Paused: true, MediaTime: 90*time.Second + 1234567*time.Nanosecond,
		RTPTimestamp: 0xfffffffe, Driver: "ada", UpdatedAt: t0.Add(time.Minute), UpdatedBy: "bob",
		Members: []store.ReviewMember{{User: "ada", Role: "driver", JoinedAt: t0}, {User: "bob", Role: "viewer", JoinedAt: t0.Add(time.Second)}}}
	checkErr(t, s.CreateReview(ctx, r), nil)
	checkReview(t, s, r)
	bare := newReview("")
	bare.Build = ""
	checkErr(t, s.CreateReview(ctx, bare), nil)
	checkReview(t, s, bare)

	again := newReview("")
	again.ID = r.ID
	checkErr(t, s.CreateReview(ctx, again), store.ErrExists)
	checkReview(t, s, r)
	lost := newReview(newWorldID())
	checkErr(t, s.CreateReview(ctx, lost), store.ErrNotFound)
	_, err := s.GetReview(ctx, lost.ID)
	checkErr(t, err, store.ErrNotFound)
	checkErr(t, s.CreateReview(ctx, store.Review{}), errAny)
	dup := newReview("")
	dup.State.Members = []store.ReviewMember{{User: "ada"}, {User: "ada"}}
	checkErr(t, s.CreateReview(ctx, dup), errAny)
	if events, err := s.ReviewEvents(ctx, r.ID); err != nil || len(events) != 0 {
		t.Fatalf("ReviewEvents of a new review = %v, %v; want none", events, err)
	}
	_, err = s.ReviewEvents(ctx, lost.ID)
	checkErr(t, err, store.ErrNotFound)
}

func testReviewState(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := mustCreateReview(t, s, "")
	other := mustCreateReview(t, s, "")
	next := func(v int64, driver string) store.ReviewState {
		return store.ReviewState{Version: v, Paused: v%2 == 1, MediaTime: time.Duration(v) * time.Second,
			RTPTimestamp: uint32(v * 3000), Driver: driver, UpdatedAt: t0.Add(time.Duration(v) * time.Minute),
			UpdatedBy: driver, Members: []store.ReviewMember{{User: driver, Role: "driver", JoinedAt: t0}}}
	}
	e1, e2, e3 := event(r.ID, "join", 1), event("", "pause", 2), event(r.ID, "resume", 3)
	checkErr(t, s.UpdateReviewState(ctx, r.ID, next(1, "ada"), e1, e2), nil)
	r.State = next(1, "ada")
	checkReview(t, s, r)
	tests := []struct {
		name   string
		id     store.ReviewID
		st     store.ReviewState
		events []store.ReviewEvent
		err    error
	}{
		{"same version again", r.ID, next(1, "bob"), []store.ReviewEvent{e3}, store.ErrConflict},
		{"skipped version", r.ID, next(3, "bob"), []store.ReviewEvent{e3}, store.ErrConflict},
		{"version 0", r.ID, next(0, "bob"), nil, errAny},
		{"unknown review", "rv-unknown", next(1, "bob"), nil, store.ErrNotFound},
		{"event of another review", r.ID, next(2, "bob"), []store.ReviewEvent{event(other.ID, "join", 9)}, errAny},
		{"member twice", r.ID, store.ReviewState{Version: 2, Members: []store.ReviewMember{{User: "x"}, {User: "x"}}}, nil, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, s.UpdateReviewState(ctx, tc.id, tc.st, tc.events...), tc.err)
			checkReview(t, s, r)
			checkEvents(t, s, r.ID, e1, e2)
			checkEvents(t, s, other.ID)
		})
	}
	checkErr(t, s.UpdateReviewState(ctx, r.ID, next(2, "bob"), e3), nil)
	r.State = next(2, "bob")
	checkReview(t, s, r)
	checkEvents(t, s, r.ID, e1, e2, e3)
	checkErr(t, s.UpdateReviewState(ctx, r.ID, store.ReviewState{Version: 3}), nil)
	r.State = store.ReviewState{Version: 3}
	checkReview(t, s, r)
}

// testConcurrentReviewState has several writers advance one review's state
// from the version each last read: every version is written exactly once,
// and the log holds exactly the winners' events.
func testConcurrentReviewState(t *testing.T, s store.Store) {
	const writers, rounds = 4, 10
	ctx := context.Background()
	r := mustCreateReview(t, s, "")
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	errs := make(chan error, writers)
	for i := range writers {
		user := fmt.Sprint("writer", i)
		wg.Go(func() {
			for won := 0; won < rounds; {
				cur, err := s.GetReview(ctx, r.ID)
				if err != nil {
					errs <- err
					return
				}
				st := store.ReviewState{Version: cur.State.Version + 1, Driver: user, UpdatedBy: user}
				ev := store.ReviewEvent{Kind: "pause", User: user, At: t0}
				switch err := s.UpdateReviewState(ctx, r.ID, st, ev); {
				case err == nil:
					won++
					mu.Lock()
					wins++
					mu.Unlock()
				case !isConflict(err):
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := s.GetReview(ctx, r.ID)
	checkErr(t, err, nil)
	events, err := s.ReviewEvents(ctx, r.ID)
	checkErr(t, err, nil)
	if got.State.Version != int64(wins) || len(events) != wins || wins != writers*rounds {
		t.Fatalf("version %d, %d events, %d wins; want %d each", got.State.Version, len(events), wins, writers*rounds)
	}
}

// ListReviews returns sessions newest first, at most limit, of the worlds
// asked for.
func testListReviews(t *testing.T, s store.Store) {
	ctx := context.Background()
	w1, _ := mustCreate(t, s, 1)
	w2, _ := mustCreate(t, s, 1)
	var made []store.Review
	for i, w := range []store.WorldID{"", w1.ID, "", w2.ID, w1.ID} {
		r := newReview(w)
		r.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
		checkErr(t, s.CreateReview(ctx, r), nil)
		made = append(made, r)
	}
	tests := []struct {
		name string
		f    store.ReviewFilter
		want []int // indexes in made
	}{
		{"the two newest", store.ReviewFilter{Limit: 2}, []int{4, 3}},
		{"all", store.ReviewFilter{Limit: 10}, []int{4, 3, 2, 1, 0}},
		{"one world", store.ReviewFilter{Limit: 10, Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{w1.ID}}}, []int{4, 1}},
		{"one world, limited", store.ReviewFilter{Limit: 1, Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{w1.ID}}}, []int{4}},
		{"two worlds", store.ReviewFilter{Limit: 10, Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{w2.ID, w1.ID}}}, []int{4, 3, 1}},
		{"unknown world", store.ReviewFilter{Limit: 10, Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{"w-unknown"}}}, nil},
		{"no world at all", store.ReviewFilter{Limit: 10, Scope: store.WorldScope{Limited: true}}, nil},
		{"worlds listed, not limited", store.ReviewFilter{Limit: 10, Scope: store.WorldScope{Worlds: []store.WorldID{w1.ID}}}, []int{4, 3, 2, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListReviews(ctx, tc.f)
			checkErr(t, err, nil)
			var want []store.Review
			for _, i := range tc.want {
				want = append(want, wantReview(made[i]))
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ListReviews(%+v) = %+v, want %+v", tc.f, got, want)
			}
		})
	}
}
