package media

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// forwardedCodecNames are the rtpmap encoding names the engine forwards.
var forwardedCodecNames = map[string]bool{"vp8": true, "vp9": true, "h264": true, "opus": true}

// checkOffer parses an SDP offer: ErrBadOffer if it is not SDP with at least
// one media section, ErrUnsupportedCodec if no audio or video section
// offers VP8, VP9, H.264 or Opus.
func checkOffer(offer string) error {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	if len(sd.MediaDescriptions) == 0 {
		return fmt.Errorf("%w: no media section", ErrBadOffer)
	}
	for _, md := range sd.MediaDescriptions {
		if kind := md.MediaName.Media; kind != "audio" && kind != "video" {
			continue
		}
		for _, name := range rtpmapNames(md) {
			if forwardedCodecNames[strings.ToLower(name)] {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: the offer has no VP8, VP9, H.264 or Opus", ErrUnsupportedCodec)
}

// rtpmapNames returns the encoding names of a media section's rtpmap
// attributes ("96 VP8/90000" gives "VP8").
func rtpmapNames(md *sdp.MediaDescription) []string {
	var names []string
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		_, enc, ok := strings.Cut(a.Value, " ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(enc, "/")
		names = append(names, name)
	}
	return names
}

// pinCodec restricts a transceiver to the first codec the remote offered
// that match accepts (and its RTX), so that the answer lists the one codec
// that will be sent. It returns that codec, or false when no offered codec
// matches.
func pinCodec(tr *webrtc.RTPTransceiver, match func(webrtc.RTPCodecCapability) bool) (webrtc.RTPCodecParameters, bool, error) {
	codecs := tr.Receiver().GetParameters().Codecs
	for _, c := range codecs {
		if strings.EqualFold(c.MimeType, webrtc.MimeTypeRTX) || !match(c.RTPCodecCapability) {
			continue
		}
		pinned := []webrtc.RTPCodecParameters{c}
		for _, r := range codecs {
			if strings.EqualFold(r.MimeType, webrtc.MimeTypeRTX) && fmtpParams(r.SDPFmtpLine)["apt"] == fmt.Sprint(c.PayloadType) {
				pinned = append(pinned, r)
				break
			}
		}
		if err := tr.SetCodecPreferences(pinned); err != nil {
			return c, false, fmt.Errorf("media: pin %s: %w", c.MimeType, err)
		}
		return c, true, nil
	}
	return webrtc.RTPCodecParameters{}, false, nil
}

// anyCodec accepts every codec the engine forwards (the publisher's first
// offered one wins).
func anyCodec(webrtc.RTPCodecCapability) bool { return true }

// sameFormat compares two codecs as RFC 6184 §8.2.2 (H.264) and
// RFC 9628 §6 (VP9) say formats must agree.
func sameFormat(a, b webrtc.RTPCodecCapability) bool {
	if !strings.EqualFold(a.MimeType, b.MimeType) || a.ClockRate != b.ClockRate {
		return false
	}
	pa, pb := fmtpParams(a.SDPFmtpLine), fmtpParams(b.SDPFmtpLine)
	switch strings.ToLower(a.MimeType) {
	case strings.ToLower(webrtc.MimeTypeH264):
		la, lb := pa["profile-level-id"], pb["profile-level-id"]
		return orDefault(pa["packetization-mode"], "0") == orDefault(pb["packetization-mode"], "0") &&
			len(la) >= 4 && len(lb) >= 4 && strings.EqualFold(la[:4], lb[:4])
	case strings.ToLower(webrtc.MimeTypeVP9):
		return orDefault(pa["profile-id"], "0") == orDefault(pb["profile-id"], "0")
	}
	return true
}

// fmtpParams splits an fmtp line ("a=1;b=2") into lowercase keys and values.
func fmtpParams(line string) map[string]string {
	params := map[string]string{}
	for _, kv := range strings.Split(line, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if k != "" {
			params[strings.ToLower(k)] = v
		}
	}
	return params
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
