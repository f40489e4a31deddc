package media

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// maxFragmentCandidates bounds the candidates of one PATCH.
const maxFragmentCandidates = 64

// fragment is a parsed application/trickle-ice-sdpfrag body (RFC 8840 §9.2,
// RFC 9725 §4.3.1): the ICE credentials it names and its candidates, each
// with the mid of the media section it follows.
type fragment struct {
	ufrag, pwd string
	candidates []webrtc.ICECandidateInit
}

// parseFragment parses a trickle-ice-sdpfrag. Every line must be an SDP line
// ("x=value"); attributes other than ICE credentials, mids and candidates
// are ignored, and candidates of an unknown type or network are dropped, as
// RFC 9725 §4.3.1 asks. Any other defect is ErrBadFragment.
func parseFragment(body string) (fragment, error) {
	var f fragment
	var mid *string
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z' {
			return f, fmt.Errorf("%w: line %q", ErrBadFragment, line)
		}
		var err error
		switch line[0] {
		case 'm':
			if len(strings.Fields(line[2:])) < 4 {
				return f, fmt.Errorf("%w: media line %q", ErrBadFragment, line)
			}
			mid = nil
		case 'a':
			mid, err = f.attribute(line[2:], mid)
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// attribute takes one "a=" line; mid is the current media section's mid.
func (f *fragment) attribute(attr string, mid *string) (*string, error) {
	key, value, _ := strings.Cut(attr, ":")
	switch key {
	case "ice-ufrag":
		f.ufrag = value
	case "ice-pwd":
		f.pwd = value
	case "mid":
		m := value
		return &m, nil
	case "candidate":
		if len(f.candidates) == maxFragmentCandidates {
			return mid, fmt.Errorf("%w: more than %d candidates", ErrBadFragment, maxFragmentCandidates)
		}
		if _, err := ice.UnmarshalCandidate(value); err != nil {
			if errors.Is(err, ice.ErrUnknownCandidateTyp) || errors.Is(err, ice.ErrDetermineNetworkType) {
				return mid, nil // not ours to use: silently discarded
			}
			return mid, fmt.Errorf("%w: candidate %q: %w", ErrBadFragment, value, err)
		}
		f.candidates = append(f.candidates, webrtc.ICECandidateInit{Candidate: "candidate:" + value, SDPMid: mid})
	}
	return mid, nil
}

// applyFragment adds a fragment's candidates to pc. A fragment naming other
// ICE credentials than the remote description's asks for an ICE restart,
// which is ErrICERestart (RFC 9725 §4.3.1: 422, the session goes on).
func applyFragment(pc *webrtc.PeerConnection, f fragment) error {
	if f.ufrag != "" || f.pwd != "" {
		ufrag, pwd := remoteICE(pc)
		if f.ufrag != ufrag || (f.pwd != "" && f.pwd != pwd) {
			return fmt.Errorf("%w: the fragment names new ICE credentials", ErrICERestart)
		}
	}
	for _, c := range f.candidates {
		if f.ufrag != "" {
			c.UsernameFragment = &f.ufrag
		}
		if err := pc.AddICECandidate(c); err != nil {
			return fmt.Errorf("%w: %w", ErrBadFragment, err)
		}
	}
	return nil
}

// remoteICE returns the ICE credentials of pc's remote description (the
// session's, or else its first media section's).
func remoteICE(pc *webrtc.PeerConnection) (ufrag, pwd string) {
	rd := pc.RemoteDescription()
	if rd == nil {
		return "", ""
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(rd.SDP); err != nil {
		return "", ""
	}
	ufrag, _ = sd.Attribute("ice-ufrag")
	pwd, _ = sd.Attribute("ice-pwd")
	for _, md := range sd.MediaDescriptions {
		if ufrag != "" {
			break
		}
		ufrag, _ = md.Attribute("ice-ufrag")
		pwd, _ = md.Attribute("ice-pwd")
	}
	return ufrag, pwd
}
