package format

import (
	"errors"
	"math"
	"testing"
)

func TestUleb(t *testing.T) {
	tests := []struct {
		name    string
		hex     string
		want    uint64
		n       int
		wantErr error
	}{
		{"zero", "00", 0, 1, nil},
		{"127", "7f", 127, 1, nil},
		{"128", "8001", 128, 2, nil},
		{"16383 and more", "ff7f 03", 16383, 2, nil},
		{"max", "ffffffffffffffffff01", math.MaxUint64, 10, nil},
		{"too many bits", "ffffffffffffffffff02", 0, 0, ErrBadLEB},
		{"too many bytes", "8181818181818181818181", 0, 0, ErrBadLEB},
		{"overlong", "8100", 0, 0, ErrBadLEB},
		{"truncated", "ff", 0, 0, ErrTruncated},
		{"empty", "", 0, 0, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, err := uleb(unhex(t, tt.hex))
			if !errors.Is(err, tt.wantErr) || v != tt.want || n != tt.n {
				t.Errorf("uleb = %d, %d, %v; want %d, %d, %v", v, n, err, tt.want, tt.n, tt.wantErr)
			}
		})
	}
}

func TestSleb(t *testing.T) {
	tests := []struct {
		name    string
		hex     string
		want    int64
		n       int
		wantErr error
	}{
		{"zero", "00", 0, 1, nil},
		{"-1", "7f", -1, 1, nil},
		{"63", "3f", 63, 1, nil},
		{"-64", "40", -64, 1, nil},
		{"128", "8001", 128, 2, nil},
		{"8191", "ff3f", 8191, 2, nil},
		{"-8192", "8040", -8192, 2, nil},
		{"max", "ffffffffffffffffff00", math.MaxInt64, 10, nil},
		{"min", "8080808080808080807f", math.MinInt64, 10, nil},
		{"too many positive bits", "ffffffffffffffffff01", 0, 0, ErrBadLEB},
		{"too many negative bits", "8080808080808080807e", 0, 0, ErrBadLEB},
		{"too many bytes", "8181818181818181818181", 0, 0, ErrBadLEB},
		{"overlong positive", "bf00", 0, 0, ErrBadLEB},
		{"overlong negative", "81ff7f", 0, 0, ErrBadLEB},
		{"truncated", "90", 0, 0, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, err := sleb(unhex(t, tt.hex))
			if !errors.Is(err, tt.wantErr) || v != tt.want || n != tt.n {
				t.Errorf("sleb = %d, %d, %v; want %d, %d, %v", v, n, err, tt.want, tt.n, tt.wantErr)
			}
		})
	}
}

func TestLebRoundTrip(t *testing.T) {
	for _, u := range []uint64{0, 1, 127, 128, 300, 1 << 35, math.MaxUint64} {
		b := appendUleb(nil, u)
		if v, n, err := uleb(b); err != nil || v != u || n != len(b) || n != ulebLen(u) {
			t.Errorf("uleb(%d) round trip: %d %d %v", u, v, n, err)
		}
	}
	for _, i := range []int64{0, -1, 63, 64, -64, -65, 1 << 40, math.MinInt64, math.MaxInt64} {
		b := appendSleb(nil, i)
		if v, n, err := sleb(b); err != nil || v != i || n != len(b) {
			t.Errorf("sleb(%d) round trip: %d %d %v", i, v, n, err)
		}
	}
}
