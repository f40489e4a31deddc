package format

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// unhex decodes hex with optional whitespace, failing the test on error.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenChangeJS is the JS change of notes §3.6: root.n = 5 by actor
// aabbccdd at time 5.
const goldenChangeJS = `856f4a83 5fe2cdb7 01 23
	00 04 aabbccdd 01 01 05 00 00
	06 15 03 34 01 42 02 56 02 57 01 70 02
	7f 01 6e 01 7f 01 7f 14 05 7f 00`

func TestGoldenChangeJS(t *testing.T) {
	b := unhex(t, goldenChangeJS)
	c, n, err := ParseChange(b)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(b) {
		t.Errorf("consumed %d of %d bytes", n, len(b))
	}
	if !bytes.Equal(c.Hash[:4], b[4:8]) {
		t.Errorf("hash %s does not start with the checksum", c.Hash)
	}
	if hex.EncodeToString(c.Actor) != "aabbccdd" || c.Seq != 1 || c.StartOp != 1 || c.Time != 5 ||
		c.Message != "" || len(c.Deps) != 0 || len(c.OtherActors) != 0 {
		t.Errorf("header fields: %+v", c)
	}
	if c.NumOps != 1 || c.MaxOp != 1 || c.Extra != nil || !bytes.Equal(c.Raw, b) {
		t.Errorf("NumOps %d MaxOp %d Extra %x", c.NumOps, c.MaxOp, c.Extra)
	}
	ops, err := c.Ops()
	if err != nil {
		t.Fatal(err)
	}
	want := Op{
		ID:     OpID{Counter: 1},
		Key:    Key{MapKey: "n", IsMap: true},
		Action: Set,
		Value:  Value{Type: TypeInt, V: int64(5)},
		Pred:   []OpID{},
	}
	if len(ops) != 1 || !opEqual(ops[0], want) {
		t.Errorf("ops = %+v, want [%+v]", ops, want)
	}
	if err := c.VerifyHash(c.Hash); err != nil {
		t.Error(err)
	}
}

// opEqual compares ops, treating nil and empty Pred alike.
func opEqual(a, b Op) bool {
	if len(a.Pred) == 0 {
		a.Pred = nil
	}
	if len(b.Pred) == 0 {
		b.Pred = nil
	}
	return reflect.DeepEqual(a, b)
}

func TestGoldenBloom(t *testing.T) {
	h, err := ParseHash("e0ae6e261c89458afb8ebba7" + strings.Repeat("00", 20))
	if err != nil {
		t.Fatal(err)
	}
	got := NewBloom([]ChangeHash{h})
	if want := unhex(t, "01 0a 07 2d 34"); !bytes.Equal(got, want) {
		t.Fatalf("NewBloom = %x, want %x", got, want)
	}
	f, err := DecodeBloom(got)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Contains(h) || f.NumEntries() != 1 {
		t.Errorf("decoded filter does not contain its hash")
	}
}

// Sync messages of notes §1.10: a JS 3.5 client's first message and the
// sync server's V2 reply.
const (
	goldenSyncJS = `42 01 fce334ff39423b417c4d2d7ed90a224f9c05a6c35b25bde9e389c466ed1af375
		00 01 00 05 010a07621d 00 020284`
	goldenSyncServer = `43 00 01 fce334ff39423b417c4d2d7ed90a224f9c05a6c35b25bde9e389c466ed1af375
		01 00 00 00 02 02 84`
)

func TestGoldenSync(t *testing.T) {
	head, _ := ParseHash("fce334ff39423b417c4d2d7ed90a224f9c05a6c35b25bde9e389c466ed1af375")
	tests := []struct {
		name string
		hex  string
		want SyncMessage
	}{
		{"client V1", goldenSyncJS, SyncMessage{
			Version: SyncV1, Heads: []ChangeHash{head},
			Have:     []Have{{Bloom: unhex(t, "010a07621d")}},
			HasFlags: true, Flags: FlagSupportsSyncReset,
		}},
		{"server V2", goldenSyncServer, SyncMessage{
			Version: SyncV2, Need: []ChangeHash{head},
			Have:     []Have{{Bloom: []byte{}}},
			HasFlags: true, Flags: FlagSupportsSyncReset,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := unhex(t, tt.hex)
			m, err := DecodeSyncMessage(b)
			if err != nil {
				t.Fatal(err)
			}
			if !syncEqual(m, &tt.want) {
				t.Errorf("decoded %+v, want %+v", m, tt.want)
			}
			if enc := m.Encode(); !bytes.Equal(enc, b) {
				t.Errorf("re-encoded %x, want %x", enc, b)
			}
		})
	}
}

// syncEqual compares decoded messages, treating nil and empty slices alike.
func syncEqual(a, b *SyncMessage) bool {
	return bytes.Equal(a.Encode(), b.Encode()) && a.HasFlags == b.HasFlags && a.Flags == b.Flags
}

// goldenSyncJSDoc is a V2 message from @automerge/automerge 3.5.0: after a
// first sync, peer A (actor aaaa) made four more changes and sent its whole
// document (a document chunk) with a have whose bloom covers those four.
const goldenSyncJSDoc = `4301af24608e14b5c4919b4f35ef4daf7745f0c8e97ac09f4259ead430d74844069d000101b95239b8ad546a52001dad862e
	fc8e23b4e759a6557f2601f1cfd79b09c05ed408040a07418e2373be019601856f4a83911e5e77008b010102aaaa01af2460
	8e14b5c4919b4f35ef4daf7745f0c8e97ac09f4259ead430d74844069d0701020302130223084004430456020a1506210223
	0234014202560257078001088101028301060700070107017f0102007f0103007f0006017f00050107070301780401790700
	070107070107140001020001020302017f0003017f0005007d020102020106020284`

// goldenSyncJSDocBloom lists the hashes A's bloom filter covers.
var goldenSyncJSDocBloom = []string{
	"e3860d2ee522583cad0712d7d5324ae15b0b2983084fc204a25ac37fa29ebf35",
	"bbfcbb2d344a35783b5c5e89088dfc7355aca66afa36547e27e95d946eda593d",
	"9193ba247c5d420504c5868bc3cf0aef5d911287e7451e019cf1d0b956be6ae2",
	"af24608e14b5c4919b4f35ef4daf7745f0c8e97ac09f4259ead430d74844069d",
}

func TestGoldenSyncJSDocument(t *testing.T) {
	b := unhex(t, goldenSyncJSDoc)
	m, err := DecodeSyncMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != SyncV2 || len(m.Heads) != 1 || len(m.Have) != 1 || len(m.Changes) != 1 ||
		!m.HasFlags || m.Flags != FlagSupportsSyncReset {
		t.Fatalf("decoded %+v", m)
	}
	if enc := m.Encode(); !bytes.Equal(enc, b) {
		t.Errorf("re-encoded %x", enc)
	}
	var hs []ChangeHash
	for _, s := range goldenSyncJSDocBloom {
		h, err := ParseHash(s)
		must(t, err)
		hs = append(hs, h)
	}
	if got := NewBloom(hs); !bytes.Equal(got, m.Have[0].Bloom) {
		t.Errorf("NewBloom = %x, JS sent %x", got, m.Have[0].Bloom)
	}
	blob := m.Changes[0]
	if _, n, err := ParseChange(blob); !errors.Is(err, ErrDocumentChunk) || n != len(blob) {
		t.Errorf("document blob: n %d of %d, err %v", n, len(blob), err)
	}
}
