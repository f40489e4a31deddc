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
