// Package rtpkey finds keyframes in RTP video payloads, one packet at a
// time: where a VP8 (RFC 7741) or VP9 (RFC 9628) keyframe starts, whether
// an H.264 (RFC 6184) packet carries an IDR slice or a sequence parameter
// set, and where the SPS sits that opens an H.264 keyframe.
//
// It is the one place the review packages decide what a keyframe is: the
// SFU's forwarders (review/media) use it for their GOP caches, the
// recorder (review/recording) to open a track and to mark keyframes in
// its index. The functions only read the payload, and report false for
// anything malformed rather than panic.
package rtpkey
