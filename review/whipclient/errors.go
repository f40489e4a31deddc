package whipclient

import "errors"

// Sentinel errors of the WHIP client.
var (
	// ErrUnsupportedFile means a file is not .ivf (VP8 or VP9), .h264
	// (Annex-B) or .ogg (Opus).
	ErrUnsupportedFile = errors.New("unsupported media file")
	// ErrTooManyTracks means two files of the same kind (video or audio):
	// WHIP carries one track of each (RFC 9725 §4.5.2).
	ErrTooManyTracks = errors.New("more than one file of a kind")
	// ErrNoFiles means PublishOptions.Files is empty.
	ErrNoFiles = errors.New("no files to publish")
	// ErrRefused means the WHIP endpoint did not answer 201 Created.
	ErrRefused = errors.New("WHIP endpoint refused the offer")
	// ErrNotConnected means the peer connection did not come up in time.
	ErrNotConnected = errors.New("peer connection did not connect")
	// ErrConnectionLost means the peer connection failed or was closed by
	// the server while publishing.
	ErrConnectionLost = errors.New("peer connection lost")
	// ErrOggPages means an Ogg page holds more than one Opus packet, which
	// pion's oggreader cannot split: remux with
	// "ffmpeg -i in.ogg -c copy -page_duration 20000 out.ogg".
	ErrOggPages = errors.New("Ogg page with several Opus packets")
)
