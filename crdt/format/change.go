package format

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"fmt"
	"io"
	"unicode/utf8"
)

// Chunk container constants (binary format spec, "Chunk container").
const (
	chunkDocument   = 0x00
	chunkChange     = 0x01
	chunkCompressed = 0x02
	headerMagicLen  = 4
	headerFixedLen  = 9 // magic, checksum, type
)

// magic starts every chunk.
var magic = [4]byte{0x85, 0x6f, 0x4a, 0x83}

// MaxChangeSize is the largest change body ParseChange accepts: the body
// length of a type 0x01 chunk, or the inflated body of a type 0x02 chunk.
const MaxChangeSize = 64 << 20

// Change is a parsed, verified change chunk. Its byte slices (Raw, Actor,
// OtherActors, Extra) alias the input of ParseChange when that input was an
// uncompressed chunk: copy the input first if its buffer will be reused.
// ParseChange's result is never modified afterwards, so it is safe to read
// (and call Ops on) from several goroutines.
type Change struct {
	Hash        ChangeHash   // SHA-256 of Raw[8:], verified against the header checksum
	Deps        []ChangeHash // hashes of the changes this one depends on
	Actor       []byte       // the author; index 0 of the actor table
	Seq         uint64       // the author's sequence number, from 1
	StartOp     uint64       // counter of the first op, from 1
	Time        int64        // opaque timestamp (ms from Go and Rust, s from JS 3.x)
	Message     string       // commit message, possibly empty
	OtherActors [][]byte     // actor table indexes 1.. used by ops
	NumOps      int          // number of ops decoded
	MaxOp       uint64       // StartOp + NumOps - 1 (StartOp - 1 with no ops)
	// Raw is the uncompressed type-1 chunk (magic through body) exactly as
	// hashed. For a compressed input it is re-encoded as type 1.
	Raw []byte
	// Extra holds the bytes after the op columns, covered by the hash (JS
	// 3.5 writes author information there). Nil when there are none.
	Extra []byte

	cols [numCols]span // known op columns, as ranges of Raw
}

// chunkHeader is a parsed chunk header.
type chunkHeader struct {
	checksum [4]byte
	typ      byte
	bodyOff  int // offset of the body in the input
	end      int // offset just past the chunk
}

// readHeader parses the chunk header at the start of b and checks that the
// whole chunk is present.
func readHeader(b []byte) (chunkHeader, error) {
	var h chunkHeader
	if !bytes.HasPrefix(b, magic[:min(len(b), headerMagicLen)]) {
		return h, ErrBadMagic
	}
	if len(b) < headerFixedLen {
		return h, fmt.Errorf("chunk header: %w", ErrTruncated)
	}
	copy(h.checksum[:], b[4:8])
	h.typ = b[8]
	n, k, err := uleb(b[headerFixedLen:])
	if err != nil {
		return h, fmt.Errorf("chunk length: %w", err)
	}
	h.bodyOff = headerFixedLen + k
	if n > uint64(len(b)-h.bodyOff) {
		return h, fmt.Errorf("chunk body of %d bytes: %w", n, ErrTruncated)
	}
	h.end = h.bodyOff + int(n)
	return h, nil
}

// ParseChange parses the change chunk at the start of b: type 0x01, or 0x02
// (compressed with raw DEFLATE). It verifies the magic bytes and checksum,
// decodes the body, validates every op column, and returns the change and
// the number of bytes of b the chunk used. For a document chunk (type 0x00)
// it returns ErrDocumentChunk together with the document chunk's length, so
// a caller splitting concatenated chunks can skip it. ParseChange never
// panics, and never allocates more than the input can justify.
func ParseChange(b []byte) (*Change, int, error) {
	h, err := readHeader(b)
	if err != nil {
		return nil, 0, err
	}
	var raw []byte
	switch h.typ {
	case chunkChange:
		if h.end-h.bodyOff > MaxChangeSize {
			return nil, 0, fmt.Errorf("%w: body larger than %d bytes", ErrBadChange, MaxChangeSize)
		}
		raw = b[:h.end:h.end]
	case chunkCompressed:
		if raw, err = inflateChange(h, b[h.bodyOff:h.end]); err != nil {
			return nil, 0, err
		}
	case chunkDocument:
		return nil, h.end, ErrDocumentChunk
	default:
		return nil, 0, fmt.Errorf("%w: 0x%02x", ErrUnknownChunk, h.typ)
	}
	c := &Change{Raw: raw, Hash: sha256.Sum256(raw[8:])}
	if [4]byte(c.Hash[:4]) != h.checksum {
		return nil, 0, ErrChecksum
	}
	if err := c.parseBody(); err != nil {
		return nil, 0, err
	}
	return c, h.end, nil
}

// inflateChange decompresses the body of a compressed change and re-encodes
// it as an uncompressed type-1 chunk that keeps the outer checksum.
func inflateChange(h chunkHeader, body []byte) ([]byte, error) {
	zr := flate.NewReader(bytes.NewReader(body))
	defer zr.Close()
	data, err := io.ReadAll(io.LimitReader(zr, MaxChangeSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: inflate: %w", ErrBadChange, err)
	}
	if len(data) > MaxChangeSize {
		return nil, fmt.Errorf("%w: inflated body larger than %d bytes", ErrBadChange, MaxChangeSize)
	}
	raw := make([]byte, 0, headerFixedLen+ulebLen(uint64(len(data)))+len(data))
	raw = append(raw, magic[:]...)
	raw = append(raw, h.checksum[:]...)
	raw = append(raw, chunkChange)
	raw = appendUleb(raw, uint64(len(data)))
	return append(raw, data...), nil
}

// parseBody decodes the fields of the change body in c.Raw and validates the
// op columns.
func (c *Change) parseBody() error {
	_, k, _ := uleb(c.Raw[headerFixedLen:]) // checked by readHeader
	r := reader{b: c.Raw[headerFixedLen+k:]}
	c.Deps = r.hashes()
	c.Actor = r.lenBytes()
	c.Seq = r.uleb()
	c.StartOp = r.uleb()
	c.Time = r.sleb()
	msg := r.lenBytes()
	c.OtherActors = readActors(&r)
	if r.err != nil {
		return fmt.Errorf("change header: %w", r.err)
	}
	if c.StartOp == 0 {
		return fmt.Errorf("%w: startOp is 0", ErrBadChange)
	}
	if !utf8.Valid(msg) {
		return fmt.Errorf("%w: message is not UTF-8", ErrBadChange)
	}
	if len(msg) > 0 {
		c.Message = string(msg)
	}
	if err := c.readColumns(&r); err != nil {
		return err
	}
	it := c.opIter()
	n, err := it.count()
	if err != nil {
		return err
	}
	if c.StartOp+uint64(n)-1 < c.StartOp-1 {
		return fmt.Errorf("%w: op counters overflow", ErrBadChange)
	}
	c.NumOps, c.MaxOp = n, c.StartOp+uint64(n)-1
	return nil
}

// readActors reads the other-actors array: a uLEB count and length-prefixed
// actor ids. It returns nil for a zero count.
func readActors(r *reader) [][]byte {
	n := r.uleb()
	if n == 0 || r.err != nil {
		return nil
	}
	if n > uint64(r.left()) { // every actor takes at least its length byte
		r.fail(ErrTruncated)
		return nil
	}
	actors := make([][]byte, n)
	for i := range actors {
		actors[i] = r.lenBytes()
	}
	if r.err != nil {
		return nil
	}
	return actors
}

// readColumns reads the op column metadata, records where each known column
// lies in c.Raw, and sets c.Extra to whatever follows the column data.
// Unknown columns are skipped (they stay in Raw and the hash).
func (c *Change) readColumns(r *reader) error {
	n := r.uleb()
	var prev, total uint64
	for i := uint64(0); i < n && r.err == nil; i++ {
		spec, size := r.uleb(), r.uleb()
		switch {
		case r.err != nil:
		case i > 0 && spec <= prev:
			return fmt.Errorf("%w: column specs not in ascending order", ErrBadColumn)
		case spec&0x08 != 0:
			return fmt.Errorf("%w: deflated column in a change chunk", ErrBadColumn)
		case size > uint64(r.left()) || total+size > uint64(r.left()):
			r.fail(ErrTruncated)
		}
		if idx := colIndex(spec); idx >= 0 && r.err == nil {
			c.cols[idx] = span{off: int32(total), end: int32(total + size)}
		}
		prev, total = spec, total+size
	}
	if r.err != nil {
		return fmt.Errorf("column metadata: %w", r.err)
	}
	if total > uint64(r.left()) {
		return fmt.Errorf("column data: %w", ErrTruncated)
	}
	base := int32(len(c.Raw) - r.left())
	for i := range c.cols {
		c.cols[i].off += base
		c.cols[i].end += base
	}
	if rest := r.rest()[total:]; len(rest) > 0 {
		c.Extra = rest
	}
	return nil
}

// VerifyHash returns an error wrapping ErrHashMismatch unless the change's
// hash is want (for example the hash a peer asked for, or the key it was
// stored under).
func (c *Change) VerifyHash(want ChangeHash) error {
	if c.Hash != want {
		return fmt.Errorf("%w: got %s, want %s", ErrHashMismatch, c.Hash, want)
	}
	return nil
}
