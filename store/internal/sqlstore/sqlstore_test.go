package sqlstore

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"atelier/store"
)

func TestSpan(t *testing.T) {
	tests := []struct {
		from, to, last int64
		lo, hi         int64
		ok             bool
	}{
		{1, 0, 10, 1, 10, true},
		{-5, 0, 10, 1, 10, true},
		{3, 5, 10, 3, 5, true},
		{8, 99, 10, 8, 10, true},
		{5, -1, 10, 5, 10, true},
		{11, 0, 10, 11, 10, false},
		{6, 5, 10, 6, 5, false},
		{1, 0, 0, 1, 0, false},
	}
	for _, tc := range tests {
		lo, hi, ok := Span(tc.from, tc.to, tc.last)
		if lo != tc.lo || hi != tc.hi || ok != tc.ok {
			t.Errorf("Span(%d, %d, %d) = %d, %d, %v; want %d, %d, %v",
				tc.from, tc.to, tc.last, lo, hi, ok, tc.lo, tc.hi, tc.ok)
		}
	}
}

func TestHashes(t *testing.T) {
	a, b := store.ChangeHash{1, 2, 3}, store.ChangeHash{31: 0xff}
	tests := []struct {
		name string
		in   []store.ChangeHash
		want []store.ChangeHash // as decoded
	}{
		{"nil", nil, nil},
		{"empty", []store.ChangeHash{}, nil},
		{"one", []store.ChangeHash{a}, []store.ChangeHash{a}},
		{"two", []store.ChangeHash{a, b}, []store.ChangeHash{a, b}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := EncodeHashes(tc.in)
			if enc == nil || len(enc) != 32*len(tc.in) {
				t.Fatalf("EncodeHashes gave %d bytes (nil: %v)", len(enc), enc == nil)
			}
			got, err := DecodeHashes(enc)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("DecodeHashes = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := DecodeHashes(make([]byte, 33)); err == nil {
		t.Fatal("DecodeHashes accepted 33 bytes")
	}
}

func TestCheckBatch(t *testing.T) {
	c := func(o int64, h byte) store.Change { return store.Change{Ordinal: o, Hash: store.ChangeHash{h}} }
	tests := []struct {
		name    string
		first   int64
		changes []store.Change
		want    error // nil, ErrConflict, or errOther
	}{
		{"empty", 1, nil, nil},
		{"consecutive", 4, []store.Change{c(4, 1), c(5, 2)}, nil},
		{"wrong start", 4, []store.Change{c(5, 1)}, store.ErrConflict},
		{"gap", 1, []store.Change{c(1, 1), c(3, 2)}, store.ErrConflict},
		{"repeated hash", 1, []store.Change{c(1, 1), c(2, 1)}, store.ErrConflict},
		{"other document", 1, []store.Change{{Doc: "other", Ordinal: 1}}, errOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBatch("doc", tc.first, tc.changes)
			switch {
			case tc.want == errOther && (err == nil || errors.Is(err, store.ErrConflict)):
				t.Fatalf("got %v, want an error that is not ErrConflict", err)
			case tc.want != errOther && !errors.Is(err, tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

var errOther = errors.New("some other error")

func TestLogPage(t *testing.T) {
	const most = MaxChangeLogLimit
	tests := []struct {
		before    int64
		limit     int
		below     int64
		n, expect int
		err       bool
	}{
		{0, 10, math.MaxInt64, 10, 10, false},
		{-7, 10, math.MaxInt64, 10, 10, false},
		{50, 10, 50, 10, 10, false},
		{5, 10, 5, 10, 4, false},
		{1, 10, 1, 10, 0, false},
		{0, most, math.MaxInt64, most, most, false},
		{0, most + 1, math.MaxInt64, most, most, false},
		{math.MaxInt64, math.MaxInt, math.MaxInt64, most, most, false},
		{0, 0, 0, 0, 0, true},
		{0, -1, 0, 0, 0, true},
		{5, math.MinInt, 0, 0, 0, true},
	}
	for _, tc := range tests {
		below, n, expect, err := LogPage(tc.before, tc.limit)
		if below != tc.below || n != tc.n || expect != tc.expect || (err != nil) != tc.err {
			t.Errorf("LogPage(%d, %d) = %d, %d, %d, %v; want %d, %d, %d, error %v",
				tc.before, tc.limit, below, n, expect, err, tc.below, tc.n, tc.expect, tc.err)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	d := func(id store.DocID, o int64) store.VersionDoc { return store.VersionDoc{Doc: id, Ordinal: o} }
	tests := []struct {
		name string
		v    store.Version
		ok   bool
	}{
		{"two documents", store.Version{Name: "v", Docs: []store.VersionDoc{d("a", 3), d("b", 0)}}, true},
		{"no documents", store.Version{Name: "v"}, true},
		{"empty name", store.Version{Docs: []store.VersionDoc{d("a", 3)}}, false},
		{"document twice", store.Version{Name: "v", Docs: []store.VersionDoc{d("a", 3), d("a", 4)}}, false},
		{"negative ordinal", store.Version{Name: "v", Docs: []store.VersionDoc{d("a", -1)}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckVersion(tc.v); (err == nil) != tc.ok {
				t.Fatalf("CheckVersion = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestAttachVersionDocs(t *testing.T) {
	vs := []store.Version{{Name: "b"}, {Name: "a"}, {Name: "c"}}
	doc := func(name string, id store.DocID) NamedVersionDoc {
		return NamedVersionDoc{Name: name, VersionDoc: store.VersionDoc{Doc: id}}
	}
	AttachVersionDocs(vs, []NamedVersionDoc{doc("a", "x"), doc("a", "y"), doc("b", "x"), doc("gone", "z")})
	want := []store.Version{
		{Name: "b", Docs: []store.VersionDoc{{Doc: "x"}}},
		{Name: "a", Docs: []store.VersionDoc{{Doc: "x"}, {Doc: "y"}}},
		{Name: "c"},
	}
	if !reflect.DeepEqual(vs, want) {
		t.Fatalf("AttachVersionDocs gave %+v, want %+v", vs, want)
	}
}
