package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"reflect"
	"testing"
	"time"

	"atelier/store"
)

func testSnapshots(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, all := tenChanges(t, s)
	snap := func(o int64, data string, heads ...store.ChangeHash) store.Snapshot {
		return store.Snapshot{Doc: doc, Ordinal: o, Heads: heads, Data: []byte(data), CreatedAt: t0.Add(time.Duration(o) * time.Minute)}
	}
	s3 := snap(3, "three", all[2].Hash)
	s7 := snap(7, "seven", all[6].Hash, sha256.Sum256([]byte("concurrent head")))
	s7b := snap(7, "seven, saved again")
	s10 := snap(10, string(bytes.Repeat([]byte{0, 1, 2, 0xff}, 256<<10)), all[9].Hash)
	steps := []struct {
		name string
		put  *store.Snapshot // nil: only read
		want *store.Snapshot // nil: ErrNotFound
	}{
		{"none yet", nil, nil},
		{"first", &s3, &s3},
		{"newer", &s7, &s7},
		{"older does not replace newer", ptr(snap(5, "five", all[4].Hash)), &s7},
		{"same ordinal replaces", &s7b, &s7b},
		{"large", &s10, &s10},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.put != nil {
				checkErr(t, s.PutSnapshot(ctx, *st.put), nil)
			}
			got, err := s.LatestSnapshot(ctx, doc)
			if st.want == nil {
				checkErr(t, err, store.ErrNotFound)
				return
			}
			checkErr(t, err, nil)
			want := *st.want
			want.CreatedAt = instant(want.CreatedAt)
			want.Heads = nilIfEmpty(want.Heads)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("LatestSnapshot:\n got ordinal %d heads %v created %v, %d bytes\nwant ordinal %d heads %v created %v, %d bytes",
					got.Ordinal, got.Heads, got.CreatedAt, len(got.Data), want.Ordinal, want.Heads, want.CreatedAt, len(want.Data))
			}
		})
	}
	checkIndex(t, mustIndex(t, s, doc), all) // snapshots never remove changes
}

func ptr[T any](v T) *T { return &v }
