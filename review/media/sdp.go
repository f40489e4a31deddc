package media

import (
	"encoding/hex"
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
		la, lb := orDefault(pa["profile-level-id"], h264DefaultProfile), orDefault(pb["profile-level-id"], h264DefaultProfile)
		if orDefault(pa["packetization-mode"], "0") != orDefault(pb["packetization-mode"], "0") {
			return false
		}
		if fa, fb := h264Profile(la), h264Profile(lb); fa != "" || fb != "" {
			return fa == fb
		}
		return len(la) >= 4 && len(lb) >= 4 && strings.EqualFold(la[:4], lb[:4])
	case strings.ToLower(webrtc.MimeTypeVP9):
		return orDefault(pa["profile-id"], "0") == orDefault(pb["profile-id"], "0")
	}
	return true
}

// h264DefaultProfile stands for an absent profile-level-id. RFC 6184
// §8.1 says Baseline level 1 (42000a); libwebrtc, and so browsers, take
// Constrained Baseline level 3.1, as do we: GStreamer's rtph264pay leaves
// it out, and its streams are Constrained Baseline in practice.
const h264DefaultProfile = "42e01f"

// h264Profiles classify a profile-level-id's profile_idc and profile_iop
// bytes into profiles as libwebrtc does (h264_profile_level_id.cc), so that
// spellings of one profile match: 42e01f, 42c01f and 42401f are all
// Constrained Baseline.
var h264Profiles = []struct {
	idc, mask, value byte
	name             string
}{
	{0x42, 0b0100_1111, 0b0100_0000, "constrained-baseline"},
	{0x4d, 0b1000_1111, 0b1000_0000, "constrained-baseline"},
	{0x58, 0b1100_1111, 0b1100_0000, "constrained-baseline"},
	{0x42, 0b0100_1111, 0b0000_0000, "baseline"},
	{0x58, 0b1100_1111, 0b1000_0000, "baseline"},
	{0x4d, 0b1010_1111, 0b0000_0000, "main"},
	{0x64, 0b1111_1111, 0b0000_0000, "high"},
	{0x64, 0b1111_1111, 0b0000_1100, "constrained-high"},
	{0xf4, 0b1111_1111, 0b0000_0000, "predictive-high-444"},
}

// h264Profile names the profile of a profile-level-id ("42e01f"), "" when
// it is malformed or none of h264Profiles.
func h264Profile(plid string) string {
	if len(plid) != 6 {
		return ""
	}
	b, err := hex.DecodeString(plid[:4])
	if err != nil {
		return ""
	}
	for _, p := range h264Profiles {
		if b[0] == p.idc && b[1]&p.mask == p.value {
			return p.name
		}
	}
	return ""
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
