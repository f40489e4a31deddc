package media

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"
)

// ContextLabel is the label of the publisher's data channel that carries
// context samples.
const ContextLabel = "atelier-context"

// Limits of one context sample.
const (
	maxSampleBytes = 16 << 10
	maxSampleNodes = 256
)

// Camera is the editor camera of a context sample: position P (x, y, z)
// and rotation quaternion Q (x, y, z, w).
type Camera struct {
	P []float64 `json:"p"`
	Q []float64 `json:"q"`
}

// ContextSample says what the publisher's stream shows at a media time: the
// camera, world, build, simulation tick and the selected or focused nodes.
// The publisher sends it as JSON on the ContextLabel data channel.
type ContextSample struct {
	// MediaTime is seconds since the publisher's first media sample.
	MediaTime float64 `json:"mediaTime"`
	// RTPTimestamp is the video RTP timestamp the sample belongs to, when
	// the publisher knows it.
	RTPTimestamp *uint32 `json:"rtpTimestamp,omitempty"`
	// Camera is the editor camera, if any.
	Camera *Camera `json:"camera,omitempty"`
	// World is the world id shown.
	World string `json:"world,omitempty"`
	// Build identifies the build of the publishing program.
	Build string `json:"build,omitempty"`
	// Tick is the simulation tick.
	Tick int64 `json:"tick,omitempty"`
	// Nodes are scene node ids (selected or in focus), at most 256.
	Nodes []string `json:"nodes,omitempty"`
	// ReceivedAt is when the room received the sample (set by the room,
	// never by the publisher).
	ReceivedAt time.Time `json:"receivedAt,omitzero"`
}

// parseSample decodes and validates one data channel message.
func parseSample(data []byte) (ContextSample, error) {
	var s ContextSample
	if len(data) > maxSampleBytes {
		return s, fmt.Errorf("%w: %d bytes (limit %d)", ErrBadSample, len(data), maxSampleBytes)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("%w: %w", ErrBadSample, err)
	}
	if err := s.validate(); err != nil {
		return s, err
	}
	return s, nil
}

// validate checks the fields JSON cannot: finite numbers, vector lengths,
// the node count.
func (s ContextSample) validate() error {
	if math.IsNaN(s.MediaTime) || math.IsInf(s.MediaTime, 0) || s.MediaTime < 0 {
		return fmt.Errorf("%w: mediaTime %v", ErrBadSample, s.MediaTime)
	}
	if c := s.Camera; c != nil {
		if len(c.P) != 3 || len(c.Q) != 4 {
			return fmt.Errorf("%w: camera needs p [x,y,z] and q [x,y,z,w]", ErrBadSample)
		}
		for _, v := range append(append([]float64{}, c.P...), c.Q...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: camera holds %v", ErrBadSample, v)
			}
		}
	}
	if len(s.Nodes) > maxSampleNodes {
		return fmt.Errorf("%w: %d nodes (limit %d)", ErrBadSample, len(s.Nodes), maxSampleNodes)
	}
	return nil
}

// sampleLog keeps the latest context sample and a bounded history.
type sampleLog struct {
	mu       sync.Mutex
	ring     []ContextSample
	next     int
	full     bool
	received uint64
	rejected uint64
}

func newSampleLog(n int) *sampleLog { return &sampleLog{ring: make([]ContextSample, n)} }

// add appends s, dropping the oldest sample when the history is full.
func (l *sampleLog) add(s ContextSample) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = s
	l.next = (l.next + 1) % len(l.ring)
	l.full = l.full || l.next == 0
	l.received++
}

func (l *sampleLog) reject() {
	l.mu.Lock()
	l.rejected++
	l.mu.Unlock()
}

// latest returns the newest sample.
func (l *sampleLog) latest() (ContextSample, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.next == 0 && !l.full {
		return ContextSample{}, false
	}
	return l.ring[(l.next+len(l.ring)-1)%len(l.ring)], true
}

// all returns the history, oldest first.
func (l *sampleLog) all() []ContextSample {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]ContextSample(nil), l.ring[:l.next]...)
	}
	return append(append([]ContextSample(nil), l.ring[l.next:]...), l.ring[:l.next]...)
}

func (l *sampleLog) counts() (received, rejected uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.received, l.rejected
}
