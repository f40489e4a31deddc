package format

import "fmt"

// Sync message type bytes (notes §2.2; rust/automerge/src/sync.rs).
const (
	SyncV1 byte = 0x42 // message with one change chunk per blob
	SyncV2 byte = 0x43 // message whose single blob may hold several chunks or a document
)

// Flag bits of a sync message's flags section (automerge 3.x).
const (
	FlagSyncReset         byte = 0x01 // the receiver should clear its sent hashes
	FlagReadOnly          byte = 0x02 // the sender will not apply incoming changes
	FlagSupportsSyncReset byte = 0x04 // the sender understands FlagSyncReset
)

// SyncMessage is an automerge sync message: the data of an automerge-repo
// "sync" or "request" message. Its byte slices alias the decoded input.
type SyncMessage struct {
	Version byte         // SyncV1 or SyncV2; 0 encodes as SyncV1
	Heads   []ChangeHash // the sender's heads
	Need    []ChangeHash // hashes the sender asks for
	Have    []Have       // summaries of what the sender has (0 or 1 entries)
	// Changes are the change blobs as they appear on the wire, not validated
	// by DecodeSyncMessage. V1: one change chunk each. V2: at most one blob
	// that may hold several concatenated chunks or a document chunk.
	Changes  [][]byte
	HasFlags bool // a flags section was present
	// Flags is the OR of the low 7 bits of every flags byte that has its
	// high bit set (FlagSyncReset, FlagReadOnly, FlagSupportsSyncReset).
	Flags byte
}

// Have summarises the changes the sender has: everything reachable from
// LastSync, plus the changes in the bloom filter.
type Have struct {
	LastSync []ChangeHash
	// Bloom is the encoded bloom filter exactly as on the wire, possibly
	// empty; read it with DecodeBloom.
	Bloom []byte
}

// DecodeSyncMessage decodes a sync message. It is strict: an unknown type
// byte, truncated arrays, a length beyond the input, a malformed bloom
// filter, or trailing bytes that are not exactly one flags section all give
// an error wrapping ErrBadSyncMessage. It never panics, and allocates no more
// than the input can fill.
func DecodeSyncMessage(b []byte) (*SyncMessage, error) {
	r := reader{b: b}
	m := &SyncMessage{Version: r.byte1()}
	if r.err == nil && m.Version != SyncV1 && m.Version != SyncV2 {
		return nil, fmt.Errorf("%w: type byte 0x%02x", ErrBadSyncMessage, m.Version)
	}
	m.Heads = r.hashes()
	m.Need = r.hashes()
	m.Have = readHaves(&r)
	m.Changes = readBlobs(&r)
	if r.err == nil && r.left() > 0 {
		m.HasFlags = true
		for _, f := range r.lenBytes() {
			if f&0x80 != 0 {
				m.Flags |= f & 0x7f
			}
		}
		if r.err == nil && r.left() > 0 {
			return nil, fmt.Errorf("%w: %d bytes after the flags section", ErrBadSyncMessage, r.left())
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSyncMessage, r.err)
	}
	return m, nil
}

// readHaves reads the have array, checking that each bloom filter decodes.
func readHaves(r *reader) []Have {
	n := r.uleb()
	if n == 0 || r.err != nil {
		return nil
	}
	if n > uint64(r.left())/2 { // every have takes at least two bytes
		r.fail(ErrTruncated)
		return nil
	}
	haves := make([]Have, n)
	for i := range haves {
		haves[i].LastSync = r.hashes()
		haves[i].Bloom = r.lenBytes()
		if r.err != nil {
			return nil
		}
		if _, err := DecodeBloom(haves[i].Bloom); err != nil {
			r.fail(err)
			return nil
		}
	}
	return haves
}

// readBlobs reads the array of length-prefixed change blobs.
func readBlobs(r *reader) [][]byte {
	n := r.uleb()
	if n == 0 || r.err != nil {
		return nil
	}
	if n > uint64(r.left()) { // every blob takes at least its length byte
		r.fail(ErrTruncated)
		return nil
	}
	blobs := make([][]byte, n)
	for i := range blobs {
		blobs[i] = r.lenBytes()
	}
	if r.err != nil {
		return nil
	}
	return blobs
}

// AppendEncode appends the encoded message to dst and returns the result.
// Hash arrays are written in the order given (the protocol wants them sorted:
// see SortHashes). A flags section is written only if HasFlags is set, in the
// form automerge 3.5 writes it: 02 02 (0x80 | Flags).
func (m *SyncMessage) AppendEncode(dst []byte) []byte {
	v := m.Version
	if v == 0 {
		v = SyncV1
	}
	dst = append(dst, v)
	dst = appendHashes(dst, m.Heads)
	dst = appendHashes(dst, m.Need)
	dst = appendUleb(dst, uint64(len(m.Have)))
	for _, h := range m.Have {
		dst = appendHashes(dst, h.LastSync)
		dst = appendUleb(dst, uint64(len(h.Bloom)))
		dst = append(dst, h.Bloom...)
	}
	dst = appendUleb(dst, uint64(len(m.Changes)))
	for _, c := range m.Changes {
		dst = appendUleb(dst, uint64(len(c)))
		dst = append(dst, c...)
	}
	if m.HasFlags {
		dst = append(dst, 2, 2, 0x80|m.Flags)
	}
	return dst
}

// Encode returns the encoded message.
func (m *SyncMessage) Encode() []byte {
	return m.AppendEncode(make([]byte, 0, m.encodedLen()))
}

// encodedLen returns an upper bound on the encoded size of m.
func (m *SyncMessage) encodedLen() int {
	n := 1 + 3 + 3*10 + 32*(len(m.Heads)+len(m.Need))
	for _, h := range m.Have {
		n += 20 + 32*len(h.LastSync) + len(h.Bloom)
	}
	for _, c := range m.Changes {
		n += 10 + len(c)
	}
	return n
}

// appendHashes appends a uLEB count and the hashes.
func appendHashes(dst []byte, hs []ChangeHash) []byte {
	dst = appendUleb(dst, uint64(len(hs)))
	for i := range hs {
		dst = append(dst, hs[i][:]...)
	}
	return dst
}
