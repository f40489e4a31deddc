package review

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// SignatureHeader carries a webhook body's HMAC-SHA256 under the
// configured secret: "sha256=" and 64 lowercase hex digits.
const SignatureHeader = "X-Atelier-Signature"

// Defaults of WebhookConfig.
const (
	DefaultWebhookTimeout  = 5 * time.Second
	DefaultWebhookAttempts = 3
	DefaultWebhookBackoff  = time.Second
	DefaultWebhookQueue    = 256
	DefaultWebhookDrain    = 10 * time.Second
)

// WebhookConfig configures the webhook that announces task changes. Zero
// fields take the defaults; without a URL nothing is sent.
type WebhookConfig struct {
	// URL receives a POST of a JSON WebhookPayload per task created or
	// updated.
	URL string
	// Secret, if set, signs every body (SignatureHeader).
	Secret string
	// Timeout bounds one attempt.
	Timeout time.Duration
	// Attempts is how many times a delivery is tried before it is given
	// up; a 4xx answer other than 408 and 429 is not tried again.
	Attempts int
	// Backoff is the wait before the second attempt, doubled before each
	// next one.
	Backoff time.Duration
	// Queue is how many deliveries may wait; beyond it they are dropped.
	Queue int
	// DrainTimeout bounds how long Close waits for queued deliveries.
	DrainTimeout time.Duration
	// Client sends the requests; a client of the service's own when nil.
	Client *http.Client
}

func (c WebhookConfig) withDefaults() WebhookConfig {
	if c.Timeout <= 0 {
		c.Timeout = DefaultWebhookTimeout
	}
	if c.Attempts <= 0 {
		c.Attempts = DefaultWebhookAttempts
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultWebhookBackoff
	}
	if c.Queue <= 0 {
		c.Queue = DefaultWebhookQueue
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultWebhookDrain
	}
	return c
}

// WebhookPayload is the JSON body of a webhook delivery.
type WebhookPayload struct {
	Event    string `json:"event"` // "task.created" or "task.updated"
	Task     Task   `json:"task"`
	DeepLink string `json:"deepLink"`
}

// WebhookStats counts webhook deliveries.
type WebhookStats struct {
	Delivered int64 // answered 2xx
	Failed    int64 // given up after the last attempt, or refused
	Dropped   int64 // never sent: the queue was full or the service stopped
	Retries   int64 // attempts after a delivery's first
}

// webhooks delivers webhook payloads from a queue, one worker at a time.
type webhooks struct {
	cfg    WebhookConfig
	log    *slog.Logger
	client *http.Client
	own    bool // client is ours, its idle connections closed with it

	mu     sync.Mutex
	queue  chan []byte
	closed bool
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker returns; nil before run

	delivered, failed, dropped, retries atomic.Int64
}

func newWebhooks(cfg WebhookConfig, log *slog.Logger) *webhooks {
	w := &webhooks{cfg: cfg, log: log, client: cfg.Client, queue: make(chan []byte, cfg.Queue)}
	if w.client == nil {
		w.own = true
		w.client = &http.Client{
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return w
}

// run starts the worker, which stops when ctx ends or once close has
// closed the queue and it is empty.
func (w *webhooks) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	w.mu.Lock()
	w.cancel, w.done = cancel, make(chan struct{})
	w.mu.Unlock()
	go func() {
		defer close(w.done)
		for {
			select {
			case body, ok := <-w.queue:
				if !ok {
					return
				}
				w.deliver(ctx, body)
			case <-ctx.Done():
				return
			}
		}
	}()
}

// enqueue queues the announcement of a task change; it never blocks.
func (w *webhooks) enqueue(event string, t Task) {
	if w.cfg.URL == "" {
		return
	}
	body, err := json.Marshal(WebhookPayload{Event: event, Task: t, DeepLink: t.DeepLink})
	if err != nil {
		w.log.Error("webhook payload", "task", t.ID, "err", err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		w.dropped.Add(1)
		return
	}
	select {
	case w.queue <- body:
	default:
		w.dropped.Add(1)
		w.log.Warn("webhook dropped: queue full", "event", event, "task", t.ID, "queue", w.cfg.Queue)
	}
}

// close stops taking deliveries, lets the worker deliver what is queued
// for at most DrainTimeout, then stops it and waits for it.
func (w *webhooks) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.queue)
	cancel, done := w.cancel, w.done
	w.mu.Unlock()
	if done != nil {
		timer := time.NewTimer(w.cfg.DrainTimeout)
		select {
		case <-done:
		case <-timer.C:
			w.log.Warn("webhook deliveries still queued at shutdown were dropped", "left", len(w.queue))
		}
		timer.Stop()
		cancel()
		<-done
	}
	w.dropped.Add(int64(len(w.queue)))
	if w.own {
		w.client.CloseIdleConnections()
	}
}

// deliver posts body until an attempt succeeds, the answer says not to try
// again, the attempts run out or ctx ends.
func (w *webhooks) deliver(ctx context.Context, body []byte) {
	wait := w.cfg.Backoff
	var err error
	for attempt := 1; attempt <= w.cfg.Attempts; attempt++ {
		if attempt > 1 {
			w.retries.Add(1)
			if !sleep(ctx, wait) {
				break
			}
			wait *= 2
		}
		var again bool
		if again, err = w.post(ctx, body); err == nil {
			w.delivered.Add(1)
			return
		}
		if !again {
			break
		}
	}
	w.failed.Add(1)
	w.log.Warn("webhook delivery failed", "url", w.cfg.URL, "err", err)
}

// post makes one attempt; again says whether a failure is worth retrying.
func (w *webhooks) post(ctx context.Context, body []byte) (again bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "atelier-review-webhook")
	if w.cfg.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(w.cfg.Secret, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return false, nil
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return false, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return true, fmt.Errorf("webhook answered %s", resp.Status)
}

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (w *webhooks) stats() WebhookStats {
	return WebhookStats{Delivered: w.delivered.Load(), Failed: w.failed.Load(),
		Dropped: w.dropped.Load(), Retries: w.retries.Load()}
}

// sleep waits d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
