package wire

import (
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

func TestEncodeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   *Message
	}{
		{"sync", syncMsg()},
		{"request", func() *Message { m := syncMsg(); m.Type = TypeRequest; return m }()},
		{"doc-unavailable", &Message{Type: TypeDocUnavailable, SenderID: "s", TargetID: "c", DocumentID: docB}},
		{"ephemeral", ephemeralMsg(3)},
		{"ephemeral count 0", ephemeralMsg(0)},
		{"join full", &Message{Type: TypeJoin, SenderID: "c", PeerMetadata: &PeerMetadata{StorageID: "sid", IsEphemeral: false},
			SupportedProtocolVersions: []string{"1"}}},
		{"join bare", &Message{Type: TypeJoin, SenderID: "c"}},
		{"join empty versions", &Message{Type: TypeJoin, SenderID: "c", SupportedProtocolVersions: []string{}}},
		{"peer", &Message{Type: TypePeer, SenderID: "s", TargetID: "c", PeerMetadata: &PeerMetadata{IsEphemeral: true},
			SelectedProtocolVersion: ProtocolV1}},
		{"error", &Message{Type: TypeError, SenderID: "s", TargetID: "c", ErrorMessage: "unsupported protocol version"}},
		{"remote-subscription-change", &Message{Type: TypeRemoteSubscriptionChange, SenderID: "s", TargetID: "c"}},
		{"unknown", &Message{Type: "x-later", SenderID: "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Encode(tt.in)
			if err != nil {
				t.Fatalf("Encode = %v", err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(Encode) = %v (%x)", err, b)
			}
			if !reflect.DeepEqual(got, tt.in) {
				t.Errorf("Decode(Encode(m)) =\n%+v\nwant\n%+v", got, tt.in)
			}
		})
	}
}

// TestEncodeBytes pins exact encodings: definite-length maps, text keys,
// shortest-form heads, a plain byte string for data, only the type's fields.
func TestEncodeBytes(t *testing.T) {
	tests := []struct {
		name string
		in   *Message
		want string
	}{
		{"sync", &Message{Type: TypeSync, SenderID: "a", TargetID: "b", DocumentID: docA, Data: []byte{0x42}, Count: 9, SessionID: "ignored"},
			"a5" + "6474797065" + "6473796e63" + "6873656e6465724964" + "6161" + "687461726765744964" + "6162" +
				"6a646f63756d656e744964" + "781c" + hex.EncodeToString([]byte(docA)) + "6464617461" + "4142"},
		{"join bare", &Message{Type: TypeJoin, SenderID: "a", ErrorMessage: "ignored"},
			"a2" + "6474797065" + "646a6f696e" + "6873656e6465724964" + "6161"},
		{"peer metadata", &Message{Type: TypePeer, SenderID: "a", TargetID: "b", PeerMetadata: &PeerMetadata{}},
			"a4" + "6474797065" + "6470656572" + "6873656e6465724964" + "6161" + "687461726765744964" + "6162" +
				"6c706565724d65746164617461" + "a1" + "6b6973457068656d6572616c" + "f4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Encode(tt.in)
			if err != nil {
				t.Fatalf("Encode = %v", err)
			}
			if got := hex.EncodeToString(b); got != tt.want {
				t.Errorf("Encode =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	with := func(f func(m *Message)) *Message { m := ephemeralMsg(1); f(m); return m }
	tests := []struct {
		name string
		in   *Message
		want error
	}{
		{"nil", nil, ErrUnencodable},
		{"no type", &Message{SenderID: "a"}, ErrUnencodable},
		{"remote-heads-changed", &Message{Type: TypeRemoteHeadsChanged, SenderID: "a", TargetID: "b"}, ErrUnencodable},
		{"sync no data", with(func(m *Message) { m.Type, m.Data = TypeSync, nil }), ErrMissingField},
		{"ephemeral no sessionId", with(func(m *Message) { m.SessionID = "" }), ErrMissingField},
		{"no sender", with(func(m *Message) { m.SenderID = "" }), ErrMissingField},
		{"no target", with(func(m *Message) { m.TargetID = "" }), ErrMissingField},
		{"no document", with(func(m *Message) { m.DocumentID = "" }), ErrMissingField},
		{"bad document", with(func(m *Message) { m.DocumentID = "automerge:" + docA }), ErrBadDocID},
		{"doc-unavailable bad document", &Message{Type: TypeDocUnavailable, SenderID: "a", TargetID: "b", DocumentID: "x"}, ErrBadDocID},
		{"join no sender", &Message{Type: TypeJoin}, ErrMissingField},
		{"peer no target", &Message{Type: TypePeer, SenderID: "a"}, ErrMissingField},
		{"error no sender", &Message{Type: TypeError, ErrorMessage: "x"}, ErrMissingField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Encode(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Encode = %x, %v; want %v", b, err, tt.want)
			}
		})
	}
}

func BenchmarkDecodeSync(b *testing.B) {
	m := syncMsg()
	m.Data = make([]byte, 512)
	m.Data[0] = 0x43
	frame, err := Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeSync(b *testing.B) {
	m := syncMsg()
	m.Data = make([]byte, 512)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(m); err != nil {
			b.Fatal(err)
		}
	}
}
