package format

import (
	"testing"

	"github.com/automerge/automerge-go"
)

// transformEdit returns a small real change: setting an object's position
// and rotation, the typical edit a world editor streams while dragging.
func transformEdit(b *testing.B) []byte {
	d := automerge.New()
	obj := automerge.NewMap()
	must(b, d.RootMap().Set("obj1", obj))
	must(b, obj.Set("x", 0.0))
	amCommit(b, d, "", false)
	must(b, obj.Set("x", 1.25))
	must(b, obj.Set("y", 2.5))
	must(b, obj.Set("z", -3.75))
	must(b, obj.Set("rot", 0.5))
	h := amCommit(b, d, "", false)
	c, err := d.Change(h)
	must(b, err)
	return c.Save()
}

func BenchmarkParseChange(b *testing.B) {
	raw := transformEdit(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseChange(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChangeOps(b *testing.B) {
	c, _, err := ParseChange(transformEdit(b))
	must(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Ops(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSyncMessage(b *testing.B) {
	var msgs [][]byte
	docA, _ := amHistory(b)
	docB := automerge.New()
	syncRounds(b, syncPeer{docA, automerge.NewSyncState(docA)}, syncPeer{docB, automerge.NewSyncState(docB)},
		func(_ testing.TB, wire []byte) { msgs = append(msgs, wire) })
	var wire []byte // the message carrying the changes
	for _, m := range msgs {
		if len(m) > len(wire) {
			wire = m
		}
	}
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSyncMessage(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSyncMessage(b *testing.B) {
	m, err := DecodeSyncMessage(unhex(b, goldenSyncJS))
	must(b, err)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = m.AppendEncode(buf[:0])
	}
}

func BenchmarkNewBloom(b *testing.B) {
	hs := testHashes(100)
	b.ReportAllocs()
	for b.Loop() {
		NewBloom(hs)
	}
}

func BenchmarkBloomContains(b *testing.B) {
	hs := testHashes(200)
	f, err := DecodeBloom(NewBloom(hs[:100]))
	must(b, err)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Contains(hs[i%200])
		i++
	}
}
