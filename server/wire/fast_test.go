package wire

import (
	"bytes"
	"strings"
	"testing"
)

// AppendDocMessage writes exactly what Encode writes, for every document
// message type and for lengths on each side of every CBOR head size.
func TestAppendDocMessageMatchesEncode(t *testing.T) {
	doc := NewDocID()
	for _, typ := range []string{TypeSync, TypeRequest, TypeEphemeral, TypeDocUnavailable} {
		for _, size := range []int{1, 23, 24, 255, 256, 65535, 65536, 1 << 20} {
			m := &Message{Type: typ, SenderID: "s", TargetID: PeerID(strings.Repeat("t", size%300+1)), DocumentID: doc,
				Count: uint64(size), SessionID: "sess"}
			if typ != TypeDocUnavailable {
				m.Data = bytes.Repeat([]byte{7}, size)
			}
			want, err := Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendDocMessage(nil, m)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s size %d: got %x (%v), want %x", typ, size, got[:min(len(got), 40)], err, want[:min(len(want), 40)])
			}
			back, err := Decode(got)
			if err != nil || back.Type != typ || !bytes.Equal(back.Data, m.Data) {
				t.Fatalf("%s size %d does not decode back: %v", typ, size, err)
			}
		}
	}
	if _, err := AppendDocMessage(nil, &Message{Type: TypeJoin}); err == nil {
		t.Fatal("join accepted")
	}
	if _, err := AppendDocMessage(nil, &Message{Type: TypeSync, SenderID: "s", TargetID: "t", DocumentID: doc}); err == nil {
		t.Fatal("sync without data accepted")
	}
}

func BenchmarkAppendDocMessage(b *testing.B) {
	m := &Message{Type: TypeSync, SenderID: "atelier-server", TargetID: "peer-abc123", DocumentID: NewDocID(), Data: make([]byte, 300)}
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf, _ = AppendDocMessage(buf[:0], m)
	}
}

// decodeStrict is Decode without the fast path.
func decodeStrict(b []byte) (*Message, error) {
	f, err := decodeMap(b)
	if err != nil {
		return nil, err
	}
	typ, err := f.text("type", true)
	if err != nil {
		return nil, err
	}
	m := &Message{Type: typ}
	if err := decodeByType(f, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Whenever the fast path accepts a frame, the strict decoder accepts it too
// and decodes the same message.
func FuzzDecodeFastAgrees(f *testing.F) {
	doc := NewDocID()
	for _, typ := range []string{TypeSync, TypeRequest, TypeEphemeral} {
		b, _ := AppendDocMessage(nil, &Message{Type: typ, SenderID: "a", TargetID: "b", DocumentID: doc, Data: []byte{0x42, 0}, SessionID: "s"})
		f.Add(b)
	}
	f.Add([]byte{0xb9, 0x00, 0x05, 0x64, 't', 'y', 'p', 'e', 0x64, 's', 'y', 'n', 'c'})
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := decodeDocFast(b)
		if !ok {
			return
		}
		strict, err := decodeStrict(b)
		if err != nil {
			t.Fatalf("fast path accepted %x, strict refused it: %v", b, err)
		}
		if fast.Type != strict.Type || fast.SenderID != strict.SenderID || fast.TargetID != strict.TargetID ||
			fast.DocumentID != strict.DocumentID || !bytes.Equal(fast.Data, strict.Data) {
			t.Fatalf("fast %+v, strict %+v", fast, strict)
		}
	})
}
