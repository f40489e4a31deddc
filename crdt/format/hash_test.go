package format

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseHash(t *testing.T) {
	const s = "fce334ff39423b417c4d2d7ed90a224f9c05a6c35b25bde9e389c466ed1af375"
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"lower", s, nil},
		{"upper", strings.ToUpper(s), nil},
		{"short", s[:62], ErrBadHash},
		{"long", s + "00", ErrBadHash},
		{"not hex", "zz" + s[2:], ErrBadHash},
		{"empty", "", ErrBadHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHash(tt.in)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && h.String() != s {
				t.Errorf("String() = %s", h)
			}
		})
	}
}

func TestSortHashes(t *testing.T) {
	hs := testHashes(50)
	SortHashes(hs)
	if !slices.IsSortedFunc(hs, compareHashes) {
		t.Error("not sorted")
	}
	for i := 1; i < len(hs); i++ {
		if hs[i-1].String() >= hs[i].String() {
			t.Fatalf("hex order disagrees at %d", i)
		}
	}
}
