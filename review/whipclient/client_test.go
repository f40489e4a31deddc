package whipclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"atelier/review/media"
	"atelier/review/whipclient"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func loopback() media.Config {
	return media.Config{
		InterfaceFilter: func(n string) bool { return n == "lo" },
		IncludeLoopback: true,
		NetworkTypes:    []webrtc.NetworkType{webrtc.NetworkTypeUDP4},
	}
}

// TestPublishToTheEnd publishes the Opus fixture without Loop to a real
// media room: Publish returns nil after about two seconds and its DELETE
// has ended the session.
func TestPublishToTheEnd(t *testing.T) {
	eng, err := media.NewEngine(loopback(), nil)
	if err != nil {
		t.Fatal(err)
	}
	room := eng.NewRoom("r", media.RoomOptions{})
	defer room.Close()
	h := media.NewHandler(media.HandlerConfig{Rooms: func(context.Context, media.RoomID) (*media.Room, error) { return room, nil }})
	mux := http.NewServeMux()
	h.Register(mux, "/r/{id}")
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	// With context samples too: their sender must stop when the file ends.
	err = whipclient.Publish(ctx, whipclient.PublishOptions{
		URL: srv.URL + "/r/x/whip", Files: []string{"../testdata/clip.ogg"}, Network: loopback(),
		Context: func(float64) (media.ContextSample, bool) { return media.ContextSample{Build: "b"}, true },
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 1900*time.Millisecond || d > 5*time.Second {
		t.Errorf("publishing 2 s of audio took %v", d)
	}
	if st := room.Stats(); st.Publishing {
		t.Error("the session outlived Publish: no DELETE?")
	}
}

// TestPublishRefused checks that an endpoint's refusal comes back as
// ErrRefused with its status.
func TestPublishRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		http.Error(w, "busy", http.StatusConflict)
	}))
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for tok, status := range map[string]string{"": "401", "secret": "409"} {
		err := whipclient.Publish(ctx, whipclient.PublishOptions{
			URL: srv.URL, Token: tok, Files: []string{"../testdata/clip-vp8.ivf"}, Network: loopback(),
		})
		if !errors.Is(err, whipclient.ErrRefused) || !strings.Contains(err.Error(), status) {
			t.Errorf("token %q: %v, want ErrRefused with %s", tok, err, status)
		}
	}
}
