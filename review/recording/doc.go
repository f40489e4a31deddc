// Package recording records live review sessions to disk and plays them back
// to a group of WHEP viewers.
//
// A [Recorder] writes the RTP of a session's published tracks with pion's
// media writers: VP8 and VP9 to video.ivf (ivfwriter), H.264 to video.h264
// (h264writer, Annex-B) and Opus to audio.ogg (oggwriter). Beside each media
// file it keeps an index (video.index.jsonl, audio.index.jsonl) with one line
// per frame: frame number, RTP timestamp, media time, byte offset, size and
// whether the frame is a keyframe, so a seek finds the nearest keyframe at or
// before a time without reading the media. The session's event log and
// side-channel samples go to events.jsonl and samples.jsonl; Close writes
// manifest.json, the file [Open] starts from.
//
// Crash recovery: a process that dies while recording never runs Close, so
// the recorder writes as it goes what the manifest will need. Every index
// and log line goes to its file in one write, with no buffer in the
// process, right after its frame's bytes (a frame is indexed once the next
// one begins, so a crash loses the last frame of each track and packets
// held back for reordering, nothing older); manifest.partial.json, replaced
// atomically (temporary file renamed; not synced, as it is written on the
// forwarder's goroutine) when a track is added and when its first frame is
// written, holds the tracks' codecs,
// clock rates and channels, the creation time and the epoch. [Recover]
// builds the manifest from the disk: of each index, the complete lines
// whose frames lie whole in the media file and start with a frame header;
// it cuts each media file after its last kept frame (so pion's readers read
// it to a clean end), fixes the IVF header's frame count and the last Ogg
// page's end-of-stream flag as the writers' Close would, cuts the index and
// logs to their complete lines, and writes manifest.json, marked recovered,
// last. [RecoverWithEvents] writes the event log from a source instead (the
// server's store, which has every event, where the disk has at most the
// part written before the crash), or changes nothing if the source fails.
// A Recorder holds a flock on its directory from its first track to Close;
// Recover leaves a locked directory alone (ErrBusy). Nothing is synced per frame: a process crash loses nothing the
// kernel has, a power cut may lose more, and recovery keeps what survived.
//
// Media time is seconds from the recording's first written frame (of any
// track): a track's frame is at (wall time of the track's first frame minus
// that epoch) plus its RTP timestamp delta over the clock rate. Event and
// sample lines carry their wall time and map to media time through the
// manifest's epoch.
//
// A [Player] plays a [Recording] to every viewer at once: one shared
// TrackLocalStaticRTP per kind that every viewer's PeerConnection has added,
// so all viewers see the same frame at the same moment, and the driver's
// play, pause and seek apply to all of them. [Viewers] answers the WHEP
// offers (RFC 9725) of those viewers.
package recording
