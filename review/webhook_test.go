package review_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"atelier/review"
)

// hookCall is a request the test webhook received.
type hookCall struct {
	header http.Header
	body   []byte
}

// hookServer answers webhook calls with status and sends each to calls.
func hookServer(t *testing.T, status int) (*httptest.Server, chan hookCall, *atomic.Int64) {
	t.Helper()
	calls := make(chan hookCall, 64)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n.Add(1)
		calls <- hookCall{r.Header.Clone(), body}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, calls, &n
}

func nextCall(t *testing.T, calls chan hookCall) hookCall {
	t.Helper()
	select {
	case c := <-calls:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook call")
		return hookCall{}
	}
}

// TestWebhook creates and updates a task: each change posts the signed
// JSON payload, with the task and its deep link, to the webhook.
func TestWebhook(t *testing.T) {
	bothStores(t, func(t *testing.T, db database) {
		const secret = "s3cret"
		srv, calls, _ := hookServer(t, http.StatusNoContent)
		f := newFixture(t, db, review.Config{LinkBase: "https://atelier.test",
			Webhook: review.WebhookConfig{URL: srv.URL + "/hook", Secret: secret}})
		f.pause(t, 3, 270000)
		in := arrow("wobbly chair")
		in.Task = &review.TaskInput{Title: "Fix the chair", Assignee: "grace"}
		a := f.annotate(t, "bob", in)

		c := nextCall(t, calls)
		checkSignature(t, c, secret)
		var p review.WebhookPayload
		if err := json.Unmarshal(c.body, &p); err != nil {
			t.Fatalf("payload %s: %v", c.body, err)
		}
		link := "https://atelier.test/worlds/" + string(f.world) + "?camera=1.5,2,-3.25,0,0,0,1&select=lamp-1"
		if p.Event != "task.created" || p.Task.ID != a.Tasks[0] || p.Task.Title != "Fix the chair" ||
			p.DeepLink != link || p.Task.DeepLink != link || c.header.Get("Content-Type") != "application/json" {
			t.Fatalf("task.created payload %s", c.body)
		}
		var raw map[string]any
		if err := json.Unmarshal(c.body, &raw); err != nil || len(raw) != 3 || raw["deepLink"] != link {
			t.Fatalf("payload keys: %v, %v", raw, err)
		}

		done := review.StatusDone
		_, err := f.svc.UpdateTask(context.Background(), p.Task.ID, "ada", review.TaskPatch{Status: &done})
		checkErr(t, err, nil)
		c = nextCall(t, calls)
		checkSignature(t, c, secret)
		if err := json.Unmarshal(c.body, &p); err != nil || p.Event != "task.updated" || p.Task.Status != review.StatusDone || p.Task.Version != 2 {
			t.Fatalf("task.updated payload %s, %v", c.body, err)
		}
		eventually(t, "two deliveries counted", func() bool { return f.svc.WebhookStats().Delivered == 2 })
	})
}

func checkSignature(t *testing.T, c hookCall, secret string) {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(c.body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := c.header.Get(review.SignatureHeader); !hmac.Equal([]byte(got), []byte(want)) {
		t.Fatalf("signature %q, want %q", got, want)
	}
}

// TestWebhookFailing has the webhook answer 503: the task is created all
// the same, the delivery is tried three times and then given up.
func TestWebhookFailing(t *testing.T) {
	srv, calls, n := hookServer(t, http.StatusServiceUnavailable)
	f := newFixture(t, sqliteDB(t), review.Config{Webhook: review.WebhookConfig{URL: srv.URL,
		Attempts: 3, Backoff: 5 * time.Millisecond, Timeout: time.Second}})
	task, err := f.svc.CreateTask(context.Background(), f.id, "bob", review.TaskInput{Title: "announced in vain"})
	checkErr(t, err, nil)
	if _, err := f.svc.Task(context.Background(), task.ID); err != nil {
		t.Fatalf("the task was not stored: %v", err)
	}
	eventually(t, "the delivery given up", func() bool { return f.svc.WebhookStats().Failed == 1 })
	if got, st := n.Load(), f.svc.WebhookStats(); got != 3 || st.Retries != 2 || st.Delivered != 0 {
		t.Fatalf("%d calls, stats %+v; want 3 calls, 2 retries", got, st)
	}
	for range 3 {
		var p review.WebhookPayload
		if err := json.Unmarshal(nextCall(t, calls).body, &p); err != nil || p.Task.ID != task.ID {
			t.Fatalf("attempt's payload: %+v, %v", p, err)
		}
	}
	if c := f.svc.WebhookStats(); c.Failed != 1 {
		t.Fatalf("stats %+v", c)
	}
}

// TestWebhookRefused has the webhook answer 400: not worth a retry.
func TestWebhookRefused(t *testing.T) {
	srv, _, n := hookServer(t, http.StatusBadRequest)
	f := newFixture(t, sqliteDB(t), review.Config{Webhook: review.WebhookConfig{URL: srv.URL, Backoff: time.Millisecond}})
	_, err := f.svc.CreateTask(context.Background(), f.id, "bob", review.TaskInput{Title: "refused"})
	checkErr(t, err, nil)
	eventually(t, "the delivery given up", func() bool { return f.svc.WebhookStats().Failed == 1 })
	if n.Load() != 1 || f.svc.WebhookStats().Retries != 0 {
		t.Fatalf("%d calls, stats %+v", n.Load(), f.svc.WebhookStats())
	}
}

// TestWebhookUnreachable points the webhook at a closed port and closes
// the service at once: Close drains (or gives up) and returns.
func TestWebhookUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	st := sqliteDB(t)()
	svc := review.New(st, discard(), review.Config{Webhook: review.WebhookConfig{URL: url, Attempts: 2,
		Backoff: time.Millisecond, DrainTimeout: 5 * time.Second}})
	checkErr(t, svc.Run(context.Background()), nil)
	sess, err := svc.CreateSession(context.Background(), "ada", review.SessionInput{Title: "t"})
	checkErr(t, err, nil)
	_, err = svc.Join(context.Background(), sess.ID, "ada", review.RoleDriver)
	checkErr(t, err, nil)
	for range 3 {
		_, err = svc.CreateTask(context.Background(), sess.ID, "ada", review.TaskInput{Title: "lost"})
		checkErr(t, err, nil)
	}
	checkErr(t, svc.Close(), nil)
	checkErr(t, svc.Close(), nil) // again: nothing
	if s := svc.WebhookStats(); s.Failed+s.Dropped != 3 || s.Delivered != 0 {
		t.Fatalf("stats %+v; want 3 failed or dropped", s)
	}
	_, err = svc.CreateTask(context.Background(), sess.ID, "ada", review.TaskInput{Title: "after close"})
	checkErr(t, err, review.ErrClosed)
}
