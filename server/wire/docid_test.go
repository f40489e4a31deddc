package wire

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"atelier/store"
)

// TestDocIDNotesExample checks the worked example of notes §1.3 both ways.
func TestDocIDNotesExample(t *testing.T) {
	payload, _ := hex.DecodeString("6bd83512242d48ad9d01a0c771779f9f")
	id, err := DocIDFromBytes(payload)
	if err != nil || id != docA {
		t.Fatalf("DocIDFromBytes = %q, %v; want %q", id, err, docA)
	}
	b, err := DocIDBytes(docA)
	if err != nil || hex.EncodeToString(b) != "6bd83512242d48ad9d01a0c771779f9f" {
		t.Fatalf("DocIDBytes = %x, %v", b, err)
	}
	if got := hex.EncodeToString(checksum(payload)); got != "aa370df0" {
		t.Errorf("checksum = %s, want aa370df0 (notes §1.3)", got)
	}
}

func TestNewDocID(t *testing.T) {
	seen := map[store.DocID]bool{}
	for range 100 {
		id := NewDocID()
		b, err := DocIDBytes(id)
		if err != nil {
			t.Fatalf("NewDocID() = %q: %v", id, err)
		}
		if b[6]>>4 != 4 || b[8]>>6 != 2 {
			t.Errorf("NewDocID() = %q = %x: not UUID v4 layout", id, b)
		}
		if seen[id] {
			t.Fatalf("NewDocID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestParseDocID(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"notes example", docA, true},
		{"notes sync example", docB, true},
		{"empty", "", false},
		{"bad checksum", docA[:len(docA)-1] + "8", false},
		{"not base58 (0)", "0W9GC6YQFn8ymzPq8PJp3UgFTwZ9", false},
		{"not base58 (l)", "lW9GC6YQFn8ymzPq8PJp3UgFTwZ9", false},
		{"url", "automerge:" + docA, false},
		{"uuid text", "6bd83512-242d-48ad-9d01-a0c771779f9f", false},
		{"32-byte payload", encodeCheck(make([]byte, 32)), false},
		{"15-byte payload", encodeCheck(make([]byte, 15)), false},
		{"all-zero 16 bytes", encodeCheck(make([]byte, 16)), true},
		{"very long", strings.Repeat("2", 10000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseDocID(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("ParseDocID(%q) = %q, %v; want ok=%v", tt.in, id, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadDocID) {
				t.Errorf("error %v does not wrap ErrBadDocID", err)
			}
			if err == nil && string(id) != tt.in {
				t.Errorf("ParseDocID(%q) = %q", tt.in, id)
			}
		})
	}
}

func TestDocURL(t *testing.T) {
	head := encodeCheck(make([]byte, 32))
	tests := []struct {
		name, in string
		want     store.DocID
		err      error
	}{
		{"plain", "automerge:" + docA, docA, nil},
		{"one head", "automerge:" + docA + "#" + head, docA, nil},
		{"two heads", "automerge:" + docA + "#" + head + "|" + head, docA, nil},
		{"empty heads", "automerge:" + docA + "#", docA, nil},
		{"bad head", "automerge:" + docA + "#abc", "", ErrBadDocURL},
		{"empty head", "automerge:" + docA + "#" + head + "|", "", ErrBadDocURL},
		{"two hashes", "automerge:" + docA + "#" + head + "#" + head, "", ErrBadDocURL},
		{"no prefix", docA, "", ErrBadDocURL},
		{"wrong prefix", "automerge//" + docA, "", ErrBadDocURL},
		{"bad id", "automerge:xyz", "", ErrBadDocID},
		{"empty id", "automerge:", "", ErrBadDocID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDocURL(tt.in)
			if tt.err == nil && (err != nil || got != tt.want) {
				t.Fatalf("ParseDocURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if tt.err != nil && (!errors.Is(err, tt.err) || !errors.Is(err, ErrBadDocURL)) {
				t.Fatalf("ParseDocURL(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
			}
		})
	}
	if u := DocURL(docA); u != "automerge:"+docA {
		t.Errorf("DocURL = %q", u)
	}
}
