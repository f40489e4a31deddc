package format

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The sync protocol's bloom filter (notes §2.3; rust/automerge/src/sync/bloom.rs).
// Writers use 10 bits per entry and 7 probes (about 1% false positives);
// readers use whatever parameters the encoding carries.
const (
	bloomBitsPerEntry = 10
	bloomProbes       = 7
	// maxBloomProbes bounds the work Contains does for a hostile filter.
	maxBloomProbes = 128
)

// Bloom is a decoded bloom filter. The zero Bloom is the empty filter, which
// contains nothing.
type Bloom struct {
	numEntries   uint32
	bitsPerEntry uint32
	numProbes    uint32
	bits         []byte
}

// NumEntries returns the number of hashes the filter was built from.
func (f Bloom) NumEntries() int {
	return int(f.numEntries)
}

// bloomBytes returns the bitmap size for n entries of bpe bits each:
// ceil(n * bpe / 8).
func bloomBytes(n, bpe uint32) uint64 {
	return (uint64(n)*uint64(bpe) + 7) / 8
}

// DecodeBloom decodes an encoded filter: empty input is the empty filter;
// otherwise uLEB numEntries, bitsPerEntry and numProbes, then exactly
// ceil(numEntries*bitsPerEntry/8) bytes of bitmap. The bitmap aliases b.
func DecodeBloom(b []byte) (Bloom, error) {
	if len(b) == 0 {
		return Bloom{}, nil
	}
	r := reader{b: b}
	n, bpe, probes := r.uleb(), r.uleb(), r.uleb()
	if r.err != nil {
		return Bloom{}, fmt.Errorf("%w: %w", ErrBadBloom, r.err)
	}
	if n > math.MaxUint32 || bpe > math.MaxUint32 || probes > math.MaxUint32 {
		return Bloom{}, fmt.Errorf("%w: parameter exceeds 32 bits", ErrBadBloom)
	}
	if probes > maxBloomProbes {
		return Bloom{}, fmt.Errorf("%w: %d probes", ErrBadBloom, probes)
	}
	f := Bloom{numEntries: uint32(n), bitsPerEntry: uint32(bpe), numProbes: uint32(probes)}
	size := bloomBytes(f.numEntries, f.bitsPerEntry)
	if size != uint64(r.left()) {
		return Bloom{}, fmt.Errorf("%w: bitmap of %d bytes, want %d", ErrBadBloom, r.left(), size)
	}
	f.bits = r.rest()
	return f, nil
}

// probeSeq generates the probe positions of a hash in a bitmap of m bits.
// They come from the first 12 bytes of the hash, read as three little-endian
// uint32s (x, y, z) mod m: probe 0 is x, and each further probe advances
// x += y, y += z (mod m).
type probeSeq struct{ x, y, z, m uint64 }

// newProbeSeq starts the probe sequence of h for a bitmap of m > 0 bits.
func newProbeSeq(h *ChangeHash, m uint64) probeSeq {
	return probeSeq{
		x: uint64(binary.LittleEndian.Uint32(h[0:4])) % m,
		y: uint64(binary.LittleEndian.Uint32(h[4:8])) % m,
		z: uint64(binary.LittleEndian.Uint32(h[8:12])) % m,
		m: m,
	}
}

// advance moves to the next probe. x, y and z stay below m, so a
// subtraction replaces the modulo.
func (p *probeSeq) advance() {
	if p.x += p.y; p.x >= p.m {
		p.x -= p.m
	}
	if p.y += p.z; p.y >= p.m {
		p.y -= p.m
	}
}

// setBits sets the probe bits of h in bits, using k probes.
func setBits(bits []byte, h *ChangeHash, k uint32) {
	p := newProbeSeq(h, 8*uint64(len(bits)))
	bits[p.x>>3] |= 1 << (p.x & 7)
	for i := uint32(1); i < k; i++ {
		p.advance()
		bits[p.x>>3] |= 1 << (p.x & 7)
	}
}

// Contains reports whether h may be in the filter. It is false for the empty
// filter (and for a degenerate filter with no bitmap), and true, with about
// 1% false positives, for every hash the filter was built from.
func (f Bloom) Contains(h ChangeHash) bool {
	if f.numEntries == 0 || len(f.bits) == 0 {
		return false
	}
	p := newProbeSeq(&h, 8*uint64(len(f.bits)))
	if f.bits[p.x>>3]&(1<<(p.x&7)) == 0 {
		return false
	}
	for i := uint32(1); i < f.numProbes; i++ {
		p.advance()
		if f.bits[p.x>>3]&(1<<(p.x&7)) == 0 {
			return false
		}
	}
	return true
}

// BloomBuilder builds an encoded filter incrementally, without holding the
// hashes.
type BloomBuilder struct {
	n    uint32
	bits []byte
}

// NewBloomBuilder returns a builder for a filter of n entries. n is written
// into the encoding and sizes the bitmap, so it must be the number of hashes
// that will be added for the result to match automerge's byte for byte.
func NewBloomBuilder(n int) *BloomBuilder {
	e := clampEntries(n)
	return &BloomBuilder{n: e, bits: make([]byte, bloomBytes(e, bloomBitsPerEntry))}
}

// clampEntries converts an entry count to the 32 bits automerge encodes.
func clampEntries(n int) uint32 {
	if n <= 0 {
		return 0
	}
	return uint32(min(uint64(n), math.MaxUint32))
}

// Add sets the probe bits of h.
func (b *BloomBuilder) Add(h ChangeHash) {
	if len(b.bits) > 0 {
		setBits(b.bits, &h, bloomProbes)
	}
}

// AppendEncode appends the encoded filter to dst: nothing for zero entries,
// otherwise numEntries, bits per entry, probes and the bitmap.
func (b *BloomBuilder) AppendEncode(dst []byte) []byte {
	if b.n == 0 {
		return dst
	}
	return append(appendBloomHeader(dst, b.n), b.bits...)
}

// appendBloomHeader appends the parameters of a filter of n entries.
func appendBloomHeader(dst []byte, n uint32) []byte {
	dst = appendUleb(dst, uint64(n))
	return append(dst, bloomBitsPerEntry, bloomProbes)
}

// NewBloom returns the encoded filter over hashes, byte-identical to the one
// automerge-rs builds (BloomFilter::from_hashes); an empty (non-nil) slice for
// no hashes.
func NewBloom(hashes []ChangeHash) []byte {
	if len(hashes) == 0 {
		return []byte{}
	}
	n := clampEntries(len(hashes))
	size := bloomBytes(n, bloomBitsPerEntry)
	out := appendBloomHeader(make([]byte, 0, 7+size), n)
	hdr := len(out)
	out = out[:hdr+int(size)] // make zeroed the bitmap
	for i := range hashes {
		setBits(out[hdr:], &hashes[i], bloomProbes)
	}
	return out
}
