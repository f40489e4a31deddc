// Package media is the media engine of spectator mode: a selective
// forwarding unit (SFU) built on pion/webrtc that takes one publisher's
// stream by WHIP (RFC 9725) and plays it to many viewers by WHEP
// (draft-ietf-wish-whep), without transcoding.
//
// # Design
//
//   - Config holds the network knobs (interface filter, loopback
//     candidates, UDP port range, NAT 1:1 addresses, ICE servers — none by
//     default, so no STUN) and limits (gathering and connect timeouts,
//     viewer queue length, keyframe request interval, GOP cache size,
//     context history).
//   - Engine builds the pion API of publishers once: a MediaEngine with
//     VP8, VP9, H.264 (each with RTX) and Opus, pion's default
//     interceptors (NACK generator and responder, RTCP reports, stats,
//     TWCC) and the SettingEngine of Config. Each viewer gets an API with
//     the same codecs and settings but only the interceptors a send-only
//     peer needs: sender reports and its retransmitter (below).
//   - Room, keyed by an opaque RoomID the caller gives, has one publisher
//     and many viewers. Publish and Subscribe take an SDP offer and return
//     a complete answer (ICE gathered before answering, bounded by
//     Config.GatherTimeout) and a ResourceID; Trickle applies a PATCH's
//     candidates; Remove ends a session; Close ends them all. Subscribe
//     returns ErrNoPublisher while nobody publishes.
//   - The publisher's answer pins one codec per kind (the first the offer
//     lists that the engine forwards), so viewers' tracks are made in that
//     codec as soon as the publisher is negotiated. Each publisher track
//     has a forwarder goroutine reading RTP and handing every packet to
//     each viewer's bounded queue without waiting; each viewer has one
//     goroutine writing its queue to its tracks. A slow or dead viewer
//     loses its own packets (counted in Stats) and never stalls the others.
//   - Keyframes: viewers' PLI and FIR, and every viewer's join, become
//     keyframe requests to the publisher, at most one PLI per
//     Config.KeyframeInterval (500 ms); requests in between merge into the
//     next. A joining viewer is first sent the video packets since the last
//     keyframe (the GOP cache), so it shows a picture as soon as it
//     connects, even from a publisher that cannot make keyframes on demand
//     (a file). NACKs are answered from one history of the latest 1024
//     video packets per forwarder, shared by all viewers (they get the
//     publisher's sequence numbers), on the viewer's RTX stream when it
//     negotiated one, rate-limited per viewer stream: pion's own responder would copy every packet into a
//     buffer per viewer (~1.5 MB each, and a copy on every write).
//   - Side channel: a publisher's data channel labelled "atelier-context"
//     carries JSON ContextSamples (media time, camera, world, build, tick,
//     nodes). The room keeps the latest and a bounded history (Context,
//     Samples) and calls RoomOptions.OnSample for each.
//   - VideoClock gives the latest forwarded video RTP timestamp and its
//     media time (from timestamp deltas and the clock rate), so the review
//     domain can say "paused at RTP timestamp X, media time Y". Viewers get
//     the publisher's timestamps unchanged.
//   - Handler serves the endpoints over a room lookup and an
//     authorization callback, for Go 1.22 ServeMux patterns:
//     POST {base}/whip and {base}/whep (201, answer, Location, ETag),
//     PATCH and DELETE on {base}/whip/{resource} and {base}/whep/{resource}
//     (204, 200), OPTIONS for CORS. Errors map to statuses in one table
//     (handler.go): 400 malformed SDP or fragment, 409 no publisher (with
//     Retry-After) or a second publisher, 412 stale ETag, 413, 415, 422
//     unsupported codecs or an ICE restart.
//
// Goroutines: a room starts them with sessions (one per forwarded track,
// one per publisher for keyframe requests, three per viewer: its writer and
// one RTCP reader per track) and Close waits for all of them. Constructors
// start nothing.
package media
