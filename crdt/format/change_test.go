package format

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// buildChunk wraps body in a chunk header of type typ with a correct
// checksum (computed as for a type-1 change, as automerge does).
func buildChunk(typ byte, body []byte) []byte {
	hashed := appendUleb([]byte{chunkChange}, uint64(len(body)))
	hashed = append(hashed, body...)
	sum := sha256.Sum256(hashed)
	out := append(magic[:0:0], magic[:]...)
	out = append(out, sum[:4]...)
	out = append(out, typ)
	out = appendUleb(out, uint64(len(body)))
	return append(out, body...)
}

// The body of goldenChangeJS, split where the table below edits it.
const (
	gHead = "00 04 aabbccdd 01 01 05 00 00"
	gMeta = "06 15 03 34 01 42 02 56 02 57 01 70 02"
	gData = "7f 01 6e 01 7f 01 7f 14 05 7f 00"
)

func TestParseChangeBodies(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr error
		numOps  int
	}{
		{"golden", gHead + gMeta + gData, nil, 1},
		{"extra bytes", gHead + gMeta + gData + "01 02", nil, 1},
		{"unknown column skipped", gHead + "07 15 03 34 01 42 02 56 02 57 01 70 02 c1 01 02" + gData + "ab cd", nil, 1},
		{"no ops", gHead + "00", nil, 0},
		{"startOp 0", "00 04 aabbccdd 01 00 05 00 00" + gMeta + gData, ErrBadChange, 0},
		{"overlong seq", "00 04 aabbccdd 81 00 01 05 00 00" + gMeta + gData, ErrBadLEB, 0},
		{"message not UTF-8", "00 04 aabbccdd 01 01 05 01 ff 00" + gMeta + gData, ErrBadChange, 0},
		{"huge other actors", "00 04 aabbccdd 01 01 05 00 ffffffff0f", ErrTruncated, 0},
		{"huge deps", "ffffffff0f", ErrTruncated, 0},
		{"key column too long", gHead + "06 15 05 34 01 42 02 56 02 57 01 70 02 7e 01 6e 01 6d 01 7f 01 7f 14 05 7f 00", ErrBadColumn, 0},
		{"null action", gHead + gMeta[:len(gMeta)-len("70 02")] + "70 02 7f 01 6e 01 00 01 7f 14 05 7f 00", ErrBadColumn, 0},
		{"value longer than raw column", gHead + gMeta + "7f 01 6e 01 7f 01 7f 24 05 7f 00", ErrBadColumn, 0},
		{"raw column longer than values", gHead + "06 15 03 34 01 42 02 56 02 57 02 70 02 7f 01 6e 01 7f 01 7f 14 05 06 7f 00", ErrBadColumn, 0},
		{"pred without pred columns", gHead + gMeta + "7f 01 6e 01 7f 01 7f 14 05 7f 01", ErrBadColumn, 0},
		{"pred actor out of range", gHead + "08 15 03 34 01 42 02 56 02 57 01 70 02 71 02 73 02" + "7f 01 6e 01 7f 01 7f 14 05 7f 01 7f 01 7f 01", ErrBadColumn, 0},
		{"columns out of order", gHead + "06 34 01 15 03 42 02 56 02 57 01 70 02 01 7f 01 6e 7f 01 7f 14 05 7f 00", ErrBadColumn, 0},
		{"deflated column", gHead + "06 1d 03 34 01 42 02 56 02 57 01 70 02" + gData, ErrBadColumn, 0},
		{"column beyond body", gHead + "06 15 ff01 34 01 42 02 56 02 57 01 70 02" + gData, ErrTruncated, 0},
		{"inc of a string", gHead + gMeta + "7f 01 6e 01 7f 05 7f 16 05 7f 00", ErrBadColumn, 0},
		{"float of 1 byte", gHead + gMeta + "7f 01 6e 01 7f 01 7f 15 05 7f 00", ErrBadColumn, 0},
		{"key string and counter", gHead + "07 13 02 15 03 34 01 42 02 56 02 57 01 70 02 7f 01" + gData, ErrBadColumn, 0},
		{"key string not UTF-8", gHead + gMeta + "7f 01 ff 01 7f 01 7f 14 05 7f 00", ErrBadColumn, 0},
		{"no key", gHead + "05 34 01 42 02 56 02 57 01 70 02 01 7f 01 7f 14 05 7f 00", ErrBadColumn, 0},
		{"obj actor out of range", gHead + "08 01 02 02 02 15 03 34 01 42 02 56 02 57 01 70 02 7f 05 7f 03" + gData, ErrBadColumn, 0},
		{"too many ops", gHead + "02 15 06 42 05 80808004 01 6e 80808004 01", ErrTooManyOps, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunk := buildChunk(chunkChange, unhex(t, tt.body))
			c, n, err := ParseChange(chunk)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if n != len(chunk) || c.NumOps != tt.numOps {
				t.Errorf("n = %d (of %d), NumOps %d, want %d", n, len(chunk), c.NumOps, tt.numOps)
			}
			if _, err := c.Ops(); err != nil {
				t.Errorf("Ops: %v", err)
			}
		})
	}
}

func TestParseChangeChunks(t *testing.T) {
	golden := unhex(t, goldenChangeJS)
	body := golden[10:]
	tests := []struct {
		name    string
		in      []byte
		wantErr error
		wantN   int
	}{
		{"empty", nil, ErrTruncated, 0},
		{"bad magic", append([]byte{0x85, 0x6f, 0x4a, 0x84}, golden[4:]...), ErrBadMagic, 0},
		{"bad magic prefix", []byte{0x00}, ErrBadMagic, 0},
		{"huge length", unhex(t, "856f4a83 00000000 01 ffffffff0f 00"), ErrTruncated, 0},
		{"overlong length", unhex(t, "856f4a83 00000000 01 8000"), ErrBadLEB, 0},
		{"document chunk", buildChunk(chunkDocument, []byte{1, 2, 3}), ErrDocumentChunk, 13},
		{"unknown chunk type", buildChunk(0x07, body), ErrUnknownChunk, 0},
		{"bad checksum", append(append(golden[:4:4], 0, 0, 0, 0), golden[8:]...), ErrChecksum, 0},
		{"followed by more", append(golden[:len(golden):len(golden)], golden...), nil, len(golden)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := ParseChange(tt.in)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if n != tt.wantN {
				t.Errorf("n = %d, want %d", n, tt.wantN)
			}
		})
	}
}

func TestParseChangeCorruption(t *testing.T) {
	d, _ := amHistory(t)
	for _, ac := range amChanges(t, d) {
		raw := ac.Save()
		for i := range raw { // every truncation fails
			if _, _, err := ParseChange(raw[:i]); err == nil {
				t.Fatalf("%q truncated to %d bytes parsed", ac.Message(), i)
			}
		}
		_, k, _ := uleb(raw[9:])
		for i := 9 + k; i < len(raw); i++ { // every body byte flip fails the checksum
			bad := bytes.Clone(raw)
			bad[i] ^= 0x40
			if _, _, err := ParseChange(bad); !errors.Is(err, ErrChecksum) {
				t.Fatalf("%q with byte %d flipped: err = %v", ac.Message(), i, err)
			}
		}
	}
}

// compress re-encodes a type-1 chunk as a type-2 (DEFLATE) chunk.
func compress(t testing.TB, raw []byte) []byte {
	t.Helper()
	_, k, _ := uleb(raw[9:])
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	_, _ = w.Write(raw[9+k:])
	must(t, w.Close())
	out := append(bytes.Clone(raw[:8]), chunkCompressed)
	out = appendUleb(out, uint64(buf.Len()))
	return append(out, buf.Bytes()...)
}

func TestParseChangeCompressed(t *testing.T) {
	d, _ := amHistory(t)
	for _, ac := range amChanges(t, d) {
		raw := ac.Save()
		comp := compress(t, raw)
		c, n, err := ParseChange(comp)
		if err != nil {
			t.Fatalf("%q: %v", ac.Message(), err)
		}
		if n != len(comp) || c.Hash != ChangeHash(ac.Hash()) || !bytes.Equal(c.Raw, raw) {
			t.Errorf("%q: n %d/%d hash %s raw equal %v", ac.Message(), n, len(comp), c.Hash, bytes.Equal(c.Raw, raw))
		}
	}
}

func TestParseChangeCompressedErrors(t *testing.T) {
	golden := unhex(t, goldenChangeJS)
	notDeflate := append(bytes.Clone(golden[:8]), chunkCompressed, 3, 0xff, 0xff, 0xff)
	if _, _, err := ParseChange(notDeflate); !errors.Is(err, ErrBadChange) {
		t.Errorf("bad DEFLATE stream: err = %v", err)
	}
	bomb := compress(t, append(bytes.Clone(golden[:10]), strings.Repeat("\x00", MaxChangeSize+1)...))
	if _, _, err := ParseChange(bomb); !errors.Is(err, ErrBadChange) {
		t.Errorf("oversized inflated body: err = %v", err)
	}
	wrongSum := compress(t, golden)
	wrongSum[5] ^= 1
	if _, _, err := ParseChange(wrongSum); !errors.Is(err, ErrChecksum) {
		t.Errorf("compressed with wrong checksum: err = %v", err)
	}
}

func TestVerifyHash(t *testing.T) {
	c, _, err := ParseChange(unhex(t, goldenChangeJS))
	must(t, err)
	other := c.Hash
	other[31] ^= 1
	if err := c.VerifyHash(other); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("VerifyHash(other) = %v", err)
	}
}
