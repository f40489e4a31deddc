package format

import (
	"errors"
	"math"
	"unicode/utf8"
)

// Column decoders for the op columns of a change chunk (binary format spec,
// "Column encodings"). They decode one entry at a time without allocating; a
// column that is absent (or has no bytes) reads as all nulls / all false.

// Details wrapped inside ErrBadColumn.
var (
	errShortColumn = errors.New("column has fewer entries than the action column")
	errLongColumn  = errors.New("column has more entries than the action column")
	errBadUTF8     = errors.New("string is not valid UTF-8")
	errNull        = errors.New("unexpected null")
	errOverflow    = errors.New("counter out of range")
	errActorIndex  = errors.New("actor index out of range")
)

// rleKind is the type of the values in a run-length encoded column.
type rleKind uint8

const (
	rleUint rleKind = iota // uLEB values (actor, integer, value metadata, group)
	rleInt                 // sLEB values (the runs of a delta column)
	rleStr                 // uLEB length + UTF-8 bytes
)

// rleCol reads a run-length encoded column: runs headed by an sLEB n; n > 0
// repeats one value n times, n < 0 gives -n literal values, and n == 0 is
// followed by a uLEB count of nulls.
type rleCol struct {
	r       reader
	count   uint64 // entries left in the current run
	u       uint64 // value of a repeat run (int64 bits for rleInt)
	s       []byte // value of a repeat run of strings
	kind    rleKind
	present bool
	lit     bool
	null    bool
}

// newRLE returns a reader over the column bytes data. An absent column is an
// endless run of nulls.
func newRLE(data []byte, kind rleKind) rleCol {
	c := rleCol{r: reader{b: data}, kind: kind, present: len(data) > 0}
	if !c.present {
		c.count, c.null = math.MaxUint64, true
	}
	return c
}

// next returns the next entry. ok is false for a null entry. An absent column
// yields nulls forever; a present one fails once its entries run out.
func (c *rleCol) next() (u uint64, s []byte, ok bool, err error) {
	if c.count > 0 && !c.lit { // fast path, inlined: inside a repeat or null run
		c.count--
		return c.u, c.s, !c.null, nil
	}
	return c.nextSlow()
}

// nextSlow returns the next entry of a literal run, or starts a new run.
func (c *rleCol) nextSlow() (u uint64, s []byte, ok bool, err error) {
	for c.count == 0 {
		if c.r.left() == 0 {
			return 0, nil, false, errShortColumn
		}
		if err := c.header(); err != nil {
			return 0, nil, false, err
		}
	}
	c.count--
	if c.lit {
		u, s = c.value()
		return u, s, c.r.err == nil, c.r.err
	}
	return c.u, c.s, !c.null, nil
}

// header reads the header of the next run (and the value of a repeat run).
func (c *rleCol) header() error {
	n := c.r.sleb()
	switch {
	case n > 0:
		c.count, c.lit, c.null = uint64(n), false, false
		c.u, c.s = c.value()
	case n < 0:
		c.count, c.lit, c.null = uint64(-(n+1))+1, true, false
	default:
		c.count, c.lit, c.null = c.r.uleb(), false, true
	}
	return c.r.err
}

// value reads one value of the column's kind.
func (c *rleCol) value() (uint64, []byte) {
	switch c.kind {
	case rleUint:
		return c.r.uleb(), nil
	case rleInt:
		return uint64(c.r.sleb()), nil
	}
	s := c.r.lenBytes()
	if c.r.err == nil && !utf8.Valid(s) {
		c.r.fail(errBadUTF8)
	}
	return 0, s
}

// done reports whether every entry has been read. An absent column is
// always done.
func (c *rleCol) done() bool {
	return !c.present || (c.count == 0 && c.r.left() == 0)
}

// finish checks that no entries are left, skipping empty runs.
func (c *rleCol) finish() error {
	if !c.present {
		return nil
	}
	for c.count == 0 && c.r.left() > 0 {
		if err := c.header(); err != nil {
			return err
		}
	}
	if c.count != 0 {
		return errLongColumn
	}
	return nil
}

// deltaCol reads a delta column: an RLE column of sLEB differences whose
// running sum (starting at 0) gives the values. Nulls leave the sum alone.
type deltaCol struct {
	rleCol
	sum int64
}

// newDelta returns a reader over the column bytes data.
func newDelta(data []byte) deltaCol {
	return deltaCol{rleCol: newRLE(data, rleInt)}
}

// next returns the next value; ok is false for a null entry.
func (c *deltaCol) next() (v int64, ok bool, err error) {
	u, _, ok, err := c.rleCol.next()
	if err != nil || !ok {
		return 0, false, err
	}
	d := int64(u)
	if (d > 0 && c.sum > math.MaxInt64-d) || (d < 0 && c.sum < math.MinInt64-d) {
		return 0, false, errOverflow
	}
	c.sum += d
	return c.sum, true, nil
}

// boolCol reads a boolean column: uLEB run lengths alternating false, true,
// false, ... starting with false (a leading 0 means it starts with true).
type boolCol struct {
	r       reader
	count   uint64
	val     bool
	present bool
}

// newBool returns a reader over the column bytes data.
func newBool(data []byte) boolCol {
	// val starts true so that the first run flips it to false.
	return boolCol{r: reader{b: data}, val: true, present: len(data) > 0}
}

// next returns the next value. An absent column yields false forever.
func (c *boolCol) next() (bool, error) {
	if !c.present {
		return false, nil
	}
	for c.count == 0 {
		if c.r.left() == 0 {
			return false, errShortColumn
		}
		c.count = c.r.uleb()
		if c.r.err != nil {
			return false, c.r.err
		}
		c.val = !c.val
	}
	c.count--
	return c.val, nil
}

// finish checks that no entries are left, skipping empty runs.
func (c *boolCol) finish() error {
	for c.count == 0 && c.r.left() > 0 {
		c.count = c.r.uleb()
		if c.r.err != nil {
			return c.r.err
		}
	}
	if c.count != 0 {
		return errLongColumn
	}
	return nil
}
