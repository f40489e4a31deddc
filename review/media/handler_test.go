package media_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"atelier/review/media"
)

// offerFrom returns the offer of a fresh pion peer with one send-only
// track of codec (registered in its own MediaEngine, so codecs the engine
// lacks can be offered too). The peer lives until the test ends.
func offerFrom(t testing.TB, codec webrtc.RTPCodecParameters, kind webrtc.RTPCodecType) string {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(codec, kind); err != nil {
		t.Fatal(err)
	}
	se, err := loopback().SettingEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	track, err := webrtc.NewTrackLocalStaticRTP(codec.RTPCodecCapability, "v", "s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	return localOffer(t, pc)
}

func vp8Offer(t testing.TB) string {
	return offerFrom(t, webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96,
	}, webrtc.RTPCodecTypeVideo)
}

// viewerOffer is a WHEP offer receiving video in codec only.
func viewerOffer(t testing.TB, codec webrtc.RTPCodecParameters) string {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(codec, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	se, _ := loopback().SettingEngine(nil)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	return localOffer(t, pc)
}

func iceUfrag(t testing.TB, offer string) string {
	t.Helper()
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		t.Fatal(err)
	}
	if u, ok := sd.Attribute("ice-ufrag"); ok {
		return u
	}
	u, _ := sd.MediaDescriptions[0].Attribute("ice-ufrag")
	return u
}

// expect checks a response's status and, for each header named, that it
// matches the pattern.
func expect(t *testing.T, what string, resp *http.Response, body string, status int, headers map[string]string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: %s (%s), want %d", what, resp.Status, strings.TrimSpace(body), status)
		return
	}
	for h, pattern := range headers {
		if got := resp.Header.Get(h); !regexp.MustCompile(pattern).MatchString(got) {
			t.Errorf("%s: %s: %q, want /%s/", what, h, got, pattern)
		}
	}
}

// TestStatusCodes walks WHIP and WHEP through their statuses.
func TestStatusCodes(t *testing.T) {
	s := newServer(t, serverOptions{})
	cors := map[string]string{"Access-Control-Allow-Origin": `^\*$`, "Access-Control-Expose-Headers": "Location.*ETag.*Link"}

	resp, body := do(t, http.MethodOptions, s.whip(), "", "", nil)
	expect(t, "OPTIONS whip", resp, body, http.StatusNoContent, map[string]string{
		"Accept-Post": "^application/sdp$", "Access-Control-Allow-Methods": "POST",
		"Access-Control-Allow-Headers": "Authorization.*Content-Type.*If-Match", "Access-Control-Allow-Origin": `^\*$`,
	})
	resp, body = do(t, http.MethodPost, s.whep(), media.ContentTypeSDP, vp8Offer(t), nil)
	expect(t, "WHEP without publisher", resp, body, http.StatusConflict, map[string]string{"Retry-After": `^[1-9][0-9]*$`})
	resp, body = do(t, http.MethodPost, s.whip(), "text/plain", vp8Offer(t), nil)
	expect(t, "wrong content type", resp, body, http.StatusUnsupportedMediaType, cors)
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, "hello, world", nil)
	expect(t, "malformed SDP", resp, body, http.StatusBadRequest, nil)
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, "v=0\r\n"+strings.Repeat("a=x:y\r\n", 10<<10), nil)
	expect(t, "oversize offer", resp, body, http.StatusRequestEntityTooLarge, nil)
	h265 := offerFrom(t, webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000}, PayloadType: 116,
	}, webrtc.RTPCodecTypeVideo)
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, h265, nil)
	expect(t, "H.265-only offer", resp, body, http.StatusUnprocessableEntity, nil)
	fake := strings.ReplaceAll(vp8Offer(t), "VP8/90000", "XQZ/90000")
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, fake, nil)
	expect(t, "fake-codec offer", resp, body, http.StatusUnprocessableEntity, nil)

	offer := vp8Offer(t)
	resp, answer := do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, offer, nil)
	expect(t, "WHIP POST", resp, answer, http.StatusCreated, map[string]string{
		"Location": "^/api/reviews/r1/whip/[A-Z0-9]+$", "ETag": `^"[A-Z0-9]+"$`, "Content-Type": "^application/sdp$",
		"Accept-Patch": "^application/trickle-ice-sdpfrag$", "Access-Control-Allow-Origin": `^\*$`,
	})
	if !strings.Contains(answer, "a=candidate:") || !strings.Contains(answer, "VP8/90000") {
		t.Errorf("WHIP answer lacks candidates or VP8:\n%s", answer)
	}
	whip, etag := s.srv.URL+resp.Header.Get("Location"), resp.Header.Get("ETag")
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, vp8Offer(t), nil)
	expect(t, "second publisher", resp, body, http.StatusConflict, nil)

	testPatch(t, whip, etag, iceUfrag(t, offer))
	testWHEP(t, s)

	resp, body = do(t, http.MethodGet, whip, "", "", nil)
	expect(t, "GET resource", resp, body, http.StatusMethodNotAllowed, nil)
	resp, body = do(t, http.MethodOptions, whip, "", "", nil)
	expect(t, "OPTIONS resource", resp, body, http.StatusNoContent, map[string]string{
		"Access-Control-Allow-Methods": "PATCH.*DELETE", "Accept-Patch": "trickle-ice-sdpfrag",
	})
	resp, body = do(t, http.MethodDelete, whip, "", "", nil)
	expect(t, "WHIP DELETE", resp, body, http.StatusOK, nil)
	resp, body = do(t, http.MethodDelete, whip, "", "", nil)
	expect(t, "WHIP DELETE again", resp, body, http.StatusNotFound, nil)
	resp, body = do(t, http.MethodPost, s.whep(), media.ContentTypeSDP, vp8Offer(t), nil)
	expect(t, "WHEP after the publisher left", resp, body, http.StatusConflict, map[string]string{"Retry-After": "."})
	resp, body = do(t, http.MethodPost, s.srv.URL+"/api/reviews/nope/whip", media.ContentTypeSDP, vp8Offer(t), nil)
	expect(t, "unknown room", resp, body, http.StatusNotFound, nil)
}

// testPatch checks trickle ICE on a live session.
func testPatch(t *testing.T, resource, etag, ufrag string) {
	frag := "a=ice-ufrag:" + ufrag + "\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n" +
		"a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n" +
		"a=candidate:2 1 udp 2130706431 bogus.invalid 50001 typ weird\r\na=end-of-candidates\r\n"
	ifMatch := func(v string) http.Header { return http.Header{"If-Match": {v}} }
	resp, body := do(t, http.MethodPatch, resource, media.ContentTypeFragment, frag, ifMatch(etag))
	expect(t, "trickle PATCH", resp, body, http.StatusNoContent, nil)
	resp, body = do(t, http.MethodPatch, resource, media.ContentTypeFragment, frag, nil)
	expect(t, "trickle PATCH without If-Match", resp, body, http.StatusNoContent, nil)
	resp, body = do(t, http.MethodPatch, resource, media.ContentTypeFragment, frag, ifMatch(`"stale"`))
	expect(t, "PATCH with a stale ETag", resp, body, http.StatusPreconditionFailed, nil)
	restart := "a=ice-ufrag:newU\r\na=ice-pwd:newpasswordnewpasswordnew\r\n"
	resp, body = do(t, http.MethodPatch, resource, media.ContentTypeFragment, restart, ifMatch("*"))
	expect(t, "ICE restart", resp, body, http.StatusUnprocessableEntity, nil)
	resp, body = do(t, http.MethodPatch, resource, media.ContentTypeFragment, "not a fragment", ifMatch(etag))
	expect(t, "malformed fragment", resp, body, http.StatusBadRequest, nil)
	resp, body = do(t, http.MethodPatch, resource, media.ContentTypeFragment, "a=candidate:garbage\r\n", ifMatch(etag))
	expect(t, "malformed candidate", resp, body, http.StatusBadRequest, nil)
	resp, body = do(t, http.MethodPatch, resource, media.ContentTypeSDP, frag, ifMatch(etag))
	expect(t, "PATCH as application/sdp", resp, body, http.StatusUnsupportedMediaType, nil)
	resp, body = do(t, http.MethodPatch, resource+"X", media.ContentTypeFragment, frag, nil)
	expect(t, "PATCH of an unknown session", resp, body, http.StatusNotFound, nil)
}

// testWHEP checks the viewer side while a publisher is negotiated.
func testWHEP(t *testing.T, s *testServer) {
	resp, answer := do(t, http.MethodPost, s.whep(), media.ContentTypeSDP, viewerOffer(t, webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96,
	}), nil)
	expect(t, "WHEP POST", resp, answer, http.StatusCreated, map[string]string{
		"Location": "^/api/reviews/r1/whep/[A-Z0-9]+$", "ETag": `^"[A-Z0-9]+"$`, "Content-Type": "^application/sdp$",
	})
	whep := s.srv.URL + resp.Header.Get("Location")
	frag := "a=candidate:1 1 udp 2130706431 127.0.0.1 50002 typ host\r\n"
	resp, body := do(t, http.MethodPatch, whep, media.ContentTypeFragment, frag, http.Header{"If-Match": {resp.Header.Get("ETag")}})
	expect(t, "WHEP trickle PATCH", resp, body, http.StatusNoContent, nil)
	resp, body = do(t, http.MethodPost, s.whep(), media.ContentTypeSDP, viewerOffer(t, webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102,
	}), nil)
	expect(t, "WHEP in another codec", resp, body, http.StatusUnprocessableEntity, nil)
	whip := strings.Replace(whep, "/whep/", "/whip/", 1)
	resp, body = do(t, http.MethodDelete, whip, "", "", nil)
	expect(t, "a viewer's id on the WHIP path", resp, body, http.StatusNotFound, nil)
	resp, body = do(t, http.MethodDelete, whep, "", "", nil)
	expect(t, "WHEP DELETE", resp, body, http.StatusOK, nil)
	if n := len(s.room.Stats().Viewers); n != 0 {
		t.Errorf("%d viewers after DELETE", n)
	}
}

// TestAuthorize checks that Authorize runs on every request but OPTIONS and
// that its errors map to 401 and 403.
func TestAuthorize(t *testing.T) {
	s := newServer(t, serverOptions{authorize: func(r *http.Request, _ media.RoomID, a media.Action) error {
		switch r.Header.Get("Authorization") {
		case "Bearer owner":
			return nil
		case "Bearer viewer":
			if a == media.ActionView {
				return nil
			}
			return media.ErrForbidden
		}
		return media.ErrUnauthorized
	}})
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	resp, body := do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, vp8Offer(t), nil)
	expect(t, "no token", resp, body, http.StatusUnauthorized, map[string]string{"WWW-Authenticate": "^Bearer"})
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, vp8Offer(t), bearer("viewer"))
	expect(t, "viewer publishing", resp, body, http.StatusForbidden, nil)
	resp, body = do(t, http.MethodOptions, s.whip(), "", "", nil)
	expect(t, "preflight without a token", resp, body, http.StatusNoContent, nil)
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, vp8Offer(t), bearer("owner"))
	expect(t, "owner publishing", resp, body, http.StatusCreated, nil)
	whip := s.srv.URL + resp.Header.Get("Location")
	resp, body = do(t, http.MethodDelete, whip, "", "", bearer("viewer"))
	expect(t, "viewer deleting the publisher", resp, body, http.StatusForbidden, nil)
	resp, body = do(t, http.MethodDelete, whip, "", "", bearer("owner"))
	expect(t, "owner deleting", resp, body, http.StatusOK, nil)
}

// TestRoomClose closes a room with sessions and checks that it refuses
// new ones and that Close is idempotent (goleak checks the goroutines).
func TestRoomClose(t *testing.T) {
	s := newServer(t, serverOptions{})
	resp, body := do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, vp8Offer(t), nil)
	expect(t, "WHIP POST", resp, body, http.StatusCreated, nil)
	if err := s.room.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.room.Close(); err != nil {
		t.Fatal(err)
	}
	if st := s.room.Stats(); st.Publishing {
		t.Error("closed room still has its publisher")
	}
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	if _, _, err := s.room.Publish(ctx, vp8Offer(t)); !errors.Is(err, media.ErrRoomClosed) {
		t.Errorf("Publish after Close: %v, want ErrRoomClosed", err)
	}
	resp, body = do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, vp8Offer(t), nil)
	expect(t, "WHIP POST to a closed room", resp, body, http.StatusNotFound, nil)
}
