package format

// LEB128 and the sticky-error byte reader every decoder in this package uses.
// Numbers must be in their shortest form, as automerge-rs requires
// (rust/automerge/src/storage/parse/leb128.rs).

// uleb decodes an unsigned LEB128 number at the start of b. It returns the
// value and the number of bytes used.
func uleb(b []byte) (uint64, int, error) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	var v uint64
	for i := 0; i < len(b); i++ {
		c := b[i]
		if i == 9 && c > 1 {
			return 0, 0, ErrBadLEB
		}
		v |= uint64(c&0x7f) << (7 * uint(i))
		if c < 0x80 {
			if c == 0 {
				return 0, 0, ErrBadLEB
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrTruncated
}

// sleb decodes a signed LEB128 number at the start of b. It returns the value
// and the number of bytes used.
func sleb(b []byte) (int64, int, error) {
	if len(b) > 0 && b[0] < 0x80 {
		return int64(int8(b[0]<<1) >> 1), 1, nil
	}
	var v int64
	var prev byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		shift := 7 * uint(i)
		v |= int64(c&0x7f) << shift
		if c >= 0x80 {
			if i == 9 {
				return 0, 0, ErrBadLEB
			}
			prev = c
			continue
		}
		switch {
		case i == 9 && c != 0 && c != 0x7f:
			return 0, 0, ErrBadLEB
		case i > 0 && (c == 0 && prev&0x40 == 0 || c == 0x7f && prev&0x40 != 0):
			return 0, 0, ErrBadLEB
		case shift+7 < 64 && c&0x40 != 0:
			v |= -1 << (shift + 7)
		}
		return v, i + 1, nil
	}
	return 0, 0, ErrTruncated
}

// ulebLen returns the number of bytes the LEB128 encoding of v takes.
func ulebLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// appendUleb appends the unsigned LEB128 encoding of v to dst.
func appendUleb(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// appendSleb appends the signed LEB128 encoding of v to dst.
func appendSleb(dst []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}

// reader consumes a byte slice front to back. The first error sticks: after
// it, every read returns a zero value and err keeps that first error, so a
// parser can read a run of fields and check err once. It advances an offset
// rather than re-slicing, so reading writes no pointers (no GC write
// barriers on the hot path).
type reader struct {
	b   []byte
	off int
	err error
}

// left returns the number of unread bytes.
func (r *reader) left() int {
	return len(r.b) - r.off
}

// rest returns the unread bytes.
func (r *reader) rest() []byte {
	return r.b[r.off:]
}

// fail records err (if no error was recorded yet) and consumes the input.
func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.off = len(r.b)
}

// uleb reads an unsigned LEB128 number.
func (r *reader) uleb() uint64 {
	if r.off < len(r.b) && r.b[r.off] < 0x80 { // fast path, inlined
		v := r.b[r.off]
		r.off++
		return uint64(v)
	}
	return r.ulebSlow()
}

// ulebSlow reads a multi-byte unsigned LEB128 number.
func (r *reader) ulebSlow() uint64 {
	v, n, err := uleb(r.rest())
	if err != nil {
		r.fail(err)
		return 0
	}
	r.off += n
	return v
}

// sleb reads a signed LEB128 number.
func (r *reader) sleb() int64 {
	v, n, err := sleb(r.rest())
	if err != nil {
		r.fail(err)
		return 0
	}
	r.off += n
	return v
}

// byte1 reads one byte.
func (r *reader) byte1() byte {
	if r.off >= len(r.b) {
		r.fail(ErrTruncated)
		return 0
	}
	r.off++
	return r.b[r.off-1]
}

// bytes reads n bytes, aliasing the input.
func (r *reader) bytes(n uint64) []byte {
	if n > uint64(r.left()) {
		r.fail(ErrTruncated)
		return nil
	}
	start, end := r.off, r.off+int(n)
	r.off = end
	return r.b[start:end:end]
}

// lenBytes reads a uLEB length followed by that many bytes.
func (r *reader) lenBytes() []byte {
	return r.bytes(r.uleb())
}

// hashes reads a uLEB count followed by that many 32-byte hashes. It returns
// nil for a zero count and never allocates more than the input can fill.
func (r *reader) hashes() []ChangeHash {
	n := r.uleb()
	if n == 0 || r.err != nil {
		return nil
	}
	if n > uint64(r.left())/32 {
		r.fail(ErrTruncated)
		return nil
	}
	hs := make([]ChangeHash, n)
	for i := range hs {
		copy(hs[i][:], r.b[r.off+32*i:])
	}
	r.off += 32 * int(n)
	return hs
}
