package format

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
)

// testHashes returns n distinct pseudo-random hashes.
func testHashes(n int) []ChangeHash {
	hs := make([]ChangeHash, n)
	for i := range hs {
		hs[i] = sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
	}
	return hs
}

func TestBloomContains(t *testing.T) {
	for _, n := range []int{1, 2, 10, 100, 1000} {
		hs := testHashes(2 * n)
		enc := NewBloom(hs[:n])
		if len(enc) != ulebLen(uint64(n))+2+int(bloomBytes(uint32(n), 10)) {
			t.Errorf("n=%d: encoded %d bytes", n, len(enc))
		}
		f, err := DecodeBloom(enc)
		must(t, err)
		for _, h := range hs[:n] {
			if !f.Contains(h) {
				t.Fatalf("n=%d: missing a member", n)
			}
		}
		fp := 0
		for _, h := range hs[n:] {
			if f.Contains(h) {
				fp++
			}
		}
		if n >= 100 && fp > n/20 {
			t.Errorf("n=%d: %d false positives", n, fp)
		}
	}
}

func TestBloomBuilderMatchesNewBloom(t *testing.T) {
	hs := testHashes(37)
	b := NewBloomBuilder(len(hs))
	for _, h := range hs {
		b.Add(h)
	}
	if got, want := b.AppendEncode([]byte{1}), append([]byte{1}, NewBloom(hs)...); !bytes.Equal(got, want) {
		t.Errorf("builder %x, NewBloom %x", got, want)
	}
	if got := NewBloomBuilder(0).AppendEncode(nil); len(got) != 0 {
		t.Errorf("empty builder encoded %x", got)
	}
	if got := NewBloom(nil); got == nil || len(got) != 0 {
		t.Errorf("NewBloom(nil) = %#v, want empty non-nil", got)
	}
}

func TestDecodeBloom(t *testing.T) {
	h := testHashes(1)[0]
	tests := []struct {
		name     string
		hex      string
		wantErr  error
		contains bool
	}{
		{"empty", "", nil, false},
		{"golden", "01 0a 07 2d 34", nil, false},
		{"all bits set", "01 0a 07 ff ff", nil, true},
		{"zero entries", "00 0a 07", nil, false},
		{"no bitmap", "01 00 07", nil, false},
		{"zero probes", "01 0a 00 ff ff", nil, true},
		{"bitmap short", "01 0a 07 2d", ErrBadBloom, false},
		{"bitmap long", "01 0a 07 2d 34 00", ErrBadBloom, false},
		{"truncated header", "01 0a", ErrBadBloom, false},
		{"entries beyond 32 bits", "8080808010 0a 07", ErrBadBloom, false},
		{"huge bitmap", "ffffffff0f ffffffff0f 07", ErrBadBloom, false},
		{"too many probes", "01 0a ff01 ff ff", ErrBadBloom, false},
		{"overlong", "01 8a00 07 ff ff", ErrBadBloom, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := DecodeBloom(unhex(t, tt.hex))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := f.Contains(h); got != tt.contains {
				t.Errorf("Contains = %v, want %v", got, tt.contains)
			}
		})
	}
	var zero Bloom
	if zero.Contains(h) {
		t.Error("zero Bloom contains a hash")
	}
}
