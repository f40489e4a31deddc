package format

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/automerge/automerge-go"
)

// seedChanges returns real change chunks: the JS golden changes, every change
// of the automerge-go test history, and a compressed variant of each.
func seedChanges(f *testing.F) [][]byte {
	d, _ := amHistory(f)
	seeds := [][]byte{unhex(f, goldenChangeJS)}
	for _, g := range goldenJSChanges {
		seeds = append(seeds, unhex(f, g.hex))
	}
	for _, ac := range amChanges(f, d) {
		seeds = append(seeds, ac.Save(), compress(f, ac.Save()))
	}
	return seeds
}

// fuzzMaxOps is the largest change whose Ops the fuzz targets decode: Ops
// allocates in proportion to NumOps, which run-length encoding lets a few
// bytes push to MaxChangeOps.
const fuzzMaxOps = 1 << 16

func FuzzParseChange(f *testing.F) {
	for _, s := range seedChanges(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, n, err := ParseChange(data)
		if errors.Is(err, ErrDocumentChunk) {
			if n <= 0 || n > len(data) {
				t.Fatalf("document chunk length %d of %d", n, len(data))
			}
			return
		}
		if err != nil {
			return
		}
		if n <= 0 || n > len(data) {
			t.Fatalf("consumed %d of %d", n, len(data))
		}
		if c.Hash != sha256.Sum256(c.Raw[8:]) {
			t.Fatal("hash does not cover Raw")
		}
		if c.NumOps > fuzzMaxOps {
			return
		}
		ops, err := c.Ops()
		if err != nil || len(ops) != c.NumOps {
			t.Fatalf("Ops: %d ops, NumOps %d, err %v", len(ops), c.NumOps, err)
		}
		again, m, err := ParseChange(c.Raw)
		if err != nil || m != len(c.Raw) || again.Hash != c.Hash || again.NumOps != c.NumOps {
			t.Fatalf("re-parsing Raw: %v", err)
		}
	})
}

// FuzzParseChangeBody fuzzes change bodies wrapped in a chunk header with a
// correct checksum, so mutations reach the body and column decoders instead
// of failing the checksum.
func FuzzParseChangeBody(f *testing.F) {
	for _, s := range seedChanges(f) {
		if s[8] == chunkChange {
			_, k, _ := uleb(s[9:])
			f.Add(s[9+k:])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		chunk := buildChunk(chunkChange, body)
		c, n, err := ParseChange(chunk)
		if err != nil {
			return
		}
		if n != len(chunk) || !bytes.Equal(c.Raw, chunk) {
			t.Fatalf("consumed %d of %d", n, len(chunk))
		}
		if c.NumOps > fuzzMaxOps {
			return
		}
		ops, err := c.Ops()
		if err != nil || len(ops) != c.NumOps {
			t.Fatalf("Ops: %d ops, NumOps %d, err %v", len(ops), c.NumOps, err)
		}
		if c.NumOps > 0 && c.MaxOp != ops[len(ops)-1].ID.Counter {
			t.Fatalf("MaxOp %d, last op %d", c.MaxOp, ops[len(ops)-1].ID.Counter)
		}
	})
}

// seedSyncMessages returns real sync messages: the golden ones and every
// message of an automerge-go sync session (including a non-empty bloom).
func seedSyncMessages(f *testing.F) [][]byte {
	seeds := [][]byte{unhex(f, goldenSyncJS), unhex(f, goldenSyncServer), unhex(f, goldenSyncJSDoc)}
	docA, _ := amHistory(f)
	docB := automerge.New()
	a := syncPeer{docA, automerge.NewSyncState(docA)}
	b := syncPeer{docB, automerge.NewSyncState(docB)}
	collect := func(_ testing.TB, wire []byte) { seeds = append(seeds, wire) }
	syncRounds(f, a, b, collect)
	must(f, docA.RootMap().Set("after", int64(1)))
	amCommit(f, docA, "after", false)
	syncRounds(f, a, b, collect)
	return seeds
}

func FuzzDecodeSyncMessage(f *testing.F) {
	for _, s := range seedSyncMessages(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeSyncMessage(data)
		if err != nil {
			return
		}
		enc := m.Encode()
		if !m.HasFlags && !bytes.Equal(enc, data) {
			t.Fatalf("re-encoded %x, input %x", enc, data)
		}
		m2, err := DecodeSyncMessage(enc)
		if err != nil {
			t.Fatalf("decoding the re-encoding: %v", err)
		}
		if !bytes.Equal(m2.Encode(), enc) || m2.Flags != m.Flags&0x7f || m2.HasFlags != m.HasFlags {
			t.Fatal("encoding is not stable")
		}
	})
}

func FuzzDecodeBloom(f *testing.F) {
	f.Add([]byte{})
	f.Add(unhex(f, "01 0a 07 2d 34"))
	f.Add(unhex(f, "010a07621d"))
	f.Add(NewBloom(testHashes(20)))
	for _, s := range seedSyncMessages(f) {
		if m, err := DecodeSyncMessage(s); err == nil {
			for _, h := range m.Have {
				f.Add(h.Bloom)
			}
		}
	}
	probe := testHashes(4)
	f.Fuzz(func(t *testing.T, data []byte) {
		bl, err := DecodeBloom(data)
		if err != nil {
			return
		}
		for _, h := range probe {
			bl.Contains(h)
		}
		// Treat the input as hashes too: a filter built from them contains
		// them all.
		var hs []ChangeHash
		for i := 0; i+32 <= len(data); i += 32 {
			hs = append(hs, ChangeHash(data[i:i+32]))
		}
		built, err := DecodeBloom(NewBloom(hs))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if !built.Contains(h) {
				t.Fatal("built filter misses a member")
			}
		}
	})
}
