package recording

import "errors"

// Sentinel errors of package recording; callers test them with errors.Is.
var (
	// ErrClosed means the recorder, player or viewer set was closed.
	ErrClosed = errors.New("recording: closed")
	// ErrUnsupportedCodec means a track's codec cannot be recorded or played.
	ErrUnsupportedCodec = errors.New("recording: unsupported codec")
	// ErrTrackExists means the recording already has a track of that kind.
	ErrTrackExists = errors.New("recording: track of this kind already added")
	// ErrBadJSON means an event or sample is not one valid JSON value.
	ErrBadJSON = errors.New("recording: not valid JSON")
	// ErrNotFound means the recording directory or one of its files is missing.
	ErrNotFound = errors.New("recording: not found")
	// ErrCorrupt means a recording's manifest, index or media disagree or do
	// not parse.
	ErrCorrupt = errors.New("recording: corrupt")
	// ErrBadID means a recording or viewer id is not of the form NewID makes.
	ErrBadID = errors.New("recording: malformed id")
	// ErrNothingToRecover means Recover found no complete frame to keep (or
	// no partial manifest saying what the tracks are); it changed nothing.
	ErrNothingToRecover = errors.New("recording: nothing to recover")
	// ErrBusy means a Recorder (of this process or another) is writing the
	// recording directory, so Recover leaves it alone.
	ErrBusy = errors.New("recording: being recorded")
	// ErrNoMedia means a recording has neither a video nor an audio track.
	ErrNoMedia = errors.New("recording: no media to play")
	// ErrNegativeSeek means a seek asked for a media time before zero.
	ErrNegativeSeek = errors.New("recording: seek before zero")
	// ErrNotStarted means the player was controlled before Start.
	ErrNotStarted = errors.New("recording: player not started")
	// ErrBadOffer means a WHEP offer is not a usable SDP offer.
	ErrBadOffer = errors.New("recording: bad SDP offer")
	// ErrGatherTimeout means ICE candidate gathering did not finish in time.
	ErrGatherTimeout = errors.New("recording: ICE gathering timed out")
	// ErrViewerNotFound means no viewer has that id.
	ErrViewerNotFound = errors.New("recording: no such viewer")
)
