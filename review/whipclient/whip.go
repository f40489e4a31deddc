package whipclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"atelier/review/media"
)

// session is a WHIP session on the server: its resource URL and ICE
// entity-tag (RFC 9725 §4.2, §4.3.1).
type session struct {
	client   *http.Client
	token    string
	resource *url.URL
	etag     string
}

// post sends the offer to the WHIP endpoint and returns the session and
// the answer.
func post(ctx context.Context, client *http.Client, endpoint, token, offer string) (*session, string, error) {
	base, err := url.Parse(endpoint)
	if err != nil {
		return nil, "", fmt.Errorf("whipclient: endpoint: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(offer))
	if err != nil {
		return nil, "", fmt.Errorf("whipclient: %w", err)
	}
	req.Header.Set("Content-Type", media.ContentTypeSDP)
	s := &session{client: client, token: token}
	resp, body, err := s.do(req)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, "", fmt.Errorf("%w: %s: %s", ErrRefused, resp.Status, strings.TrimSpace(body))
	}
	if s.resource, err = base.Parse(resp.Header.Get("Location")); err != nil || resp.Header.Get("Location") == "" {
		return nil, "", fmt.Errorf("%w: 201 without a valid Location", ErrRefused)
	}
	s.etag = resp.Header.Get("ETag")
	return s, body, nil
}

// do sends req with the bearer token and reads at most 1 MiB of the answer.
func (s *session) do(req *http.Request) (*http.Response, string, error) {
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("whipclient: %s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, "", fmt.Errorf("whipclient: %s %s: %w", req.Method, req.URL, err)
	}
	return resp, string(b), nil
}

// patch sends a trickle-ice-sdpfrag; ok is false when the server does not
// take trickle ICE (405, 422, 501), which is no error: it learns the
// client's addresses from its connectivity checks.
func (s *session) patch(ctx context.Context, frag string) (ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, s.resource.String(), strings.NewReader(frag))
	if err != nil {
		return false, fmt.Errorf("whipclient: %w", err)
	}
	req.Header.Set("Content-Type", media.ContentTypeFragment)
	if s.etag != "" {
		req.Header.Set("If-Match", s.etag)
	}
	resp, body, err := s.do(req)
	if err != nil {
		return false, err
	}
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusOK:
		return true, nil
	case http.StatusMethodNotAllowed, http.StatusUnprocessableEntity, http.StatusNotImplemented:
		return false, nil
	}
	return false, fmt.Errorf("whipclient: PATCH: %s: %s", resp.Status, strings.TrimSpace(body))
}

// delete ends the session (RFC 9725 §4.2), within 5 seconds.
func (s *session) delete(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.resource.String(), nil)
	if err != nil {
		return fmt.Errorf("whipclient: %w", err)
	}
	resp, body, err := s.do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("whipclient: DELETE: %s: %s", resp.Status, strings.TrimSpace(body))
	}
	return nil
}

// trickle PATCHes the local candidates as they are gathered, each batch in
// one fragment, until gathering ends (a nil candidate), the server refuses
// trickle ICE, or ctx ends.
func (s *session) trickle(ctx context.Context, pc *webrtc.PeerConnection, cands <-chan *webrtc.ICECandidate) error {
	head, err := fragmentHead(pc)
	if err != nil {
		return err
	}
	for {
		var batch []string
		end := false
		select {
		case <-ctx.Done():
			return nil
		case c := <-cands:
			batch, end = appendCandidate(batch, c)
		}
		for drained := false; !drained && !end; {
			select {
			case c := <-cands:
				batch, end = appendCandidate(batch, c)
			default:
				drained = true
			}
		}
		if end {
			batch = append(batch, "a=end-of-candidates")
		}
		if ok, err := s.patch(ctx, head+strings.Join(batch, "\r\n")+"\r\n"); err != nil || !ok || end {
			return err
		}
	}
}

func appendCandidate(batch []string, c *webrtc.ICECandidate) ([]string, bool) {
	if c == nil {
		return batch, true
	}
	return append(batch, "a="+c.ToJSON().Candidate), false
}

// fragmentHead is the start of every trickle fragment: the ICE credentials
// and the first media section of the local description, which carries the
// bundle's candidates (RFC 8840 §4.4, RFC 9725 §4.3.2).
func fragmentHead(pc *webrtc.PeerConnection) (string, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(pc.LocalDescription().SDP); err != nil {
		return "", fmt.Errorf("whipclient: local description: %w", err)
	}
	if len(sd.MediaDescriptions) == 0 {
		return "", fmt.Errorf("whipclient: local description has no media section")
	}
	md := sd.MediaDescriptions[0]
	ufrag, _ := md.Attribute("ice-ufrag")
	pwd, _ := md.Attribute("ice-pwd")
	mid, _ := md.Attribute("mid")
	m := md.MediaName
	return fmt.Sprintf("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\nm=%s %d %s %s\r\na=mid:%s\r\n",
		ufrag, pwd, m.Media, m.Port.Value, strings.Join(m.Protos, "/"), strings.Join(m.Formats, " "), mid), nil
}
