package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// Document ids used throughout the tests.
const (
	docA = "2W9GC6YQFn8ymzPq8PJp3UgFTwZ9" // notes §1.3: bytes 6bd83512242d48ad9d01a0c771779f9f
	docB = "rqopZE4h1EixTy5Lk64tobZ3dkt"  // notes §1.10 sync example
)

// kv is one map entry for frame: a text key and a value that is either raw
// CBOR (raw) or any Go value to marshal.
type kv struct {
	k string
	v any
}

// raw is a CBOR item given as bytes, for values Marshal would not produce.
type raw []byte

// f64 is x as a CBOR float64, as cbor-x writes integers beyond 32 bits.
func f64(x float64) raw {
	b := []byte{0xfb, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint64(b[1:], math.Float64bits(x))
	return b
}

// frame builds a CBOR map with cbor-x's 16-bit header (0xb9), entries in order.
func frame(t testing.TB, entries ...kv) []byte {
	t.Helper()
	b := []byte{0xb9, 0, 0}
	binary.BigEndian.PutUint16(b[1:], uint16(len(entries)))
	for _, e := range entries {
		b = append(b, enc(t, e.k)...)
		if r, ok := e.v.(raw); ok {
			b = append(b, r...)
			continue
		}
		b = append(b, enc(t, e.v)...)
	}
	return b
}

func enc(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syncEntries are the entries of a valid sync message; with replaces or adds
// entries by key (a nil value removes the key).
func syncEntries(with ...kv) []kv {
	base := []kv{
		{"type", "sync"}, {"senderId", "client-1"}, {"targetId", "server"},
		{"documentId", docA}, {"data", []byte{0x42, 0x00}},
	}
	return override(base, with...)
}

func ephemeralEntries(with ...kv) []kv {
	base := syncEntries(kv{"type", "ephemeral"}, kv{"count", 7}, kv{"sessionId", "s1"})
	return override(base, with...)
}

func joinEntries(with ...kv) []kv {
	base := []kv{
		{"type", "join"}, {"senderId", "client-1"},
		{"peerMetadata", map[string]any{"isEphemeral": true}},
		{"supportedProtocolVersions", []string{"1"}},
	}
	return override(base, with...)
}

func override(base []kv, with ...kv) []kv {
	out := append([]kv(nil), base...)
	for _, w := range with {
		i := indexOf(out, w.k)
		switch {
		case w.v == nil && i >= 0:
			out = append(out[:i], out[i+1:]...)
		case i >= 0:
			out[i] = w
		case w.v != nil:
			out = append(out, w)
		}
	}
	return out
}

func indexOf(entries []kv, k string) int {
	for i, e := range entries {
		if e.k == k {
			return i
		}
	}
	return -1
}

func syncMsg() *Message {
	return &Message{Type: TypeSync, SenderID: "client-1", TargetID: "server", DocumentID: docA, Data: []byte{0x42, 0x00}}
}

func ephemeralMsg(count uint64) *Message {
	m := syncMsg()
	m.Type, m.Count, m.SessionID = TypeEphemeral, count, "s1"
	return m
}

func TestDecodeAccepts(t *testing.T) {
	withMeta := func(pm *PeerMetadata, versions []string) *Message {
		return &Message{Type: TypeJoin, SenderID: "client-1", PeerMetadata: pm, SupportedProtocolVersions: versions}
	}
	tests := []struct {
		name string
		in   []byte
		want *Message
	}{
		{"sync", frame(t, syncEntries()...), syncMsg()},
		{"sync with shortest-form header", append([]byte{0xa5}, frame(t, syncEntries()...)[3:]...), syncMsg()},
		{"sync with indefinite-length map", append(append([]byte{0xbf}, frame(t, syncEntries()...)[3:]...), 0xff), syncMsg()},
		{"sync with unknown keys", frame(t, syncEntries(kv{"extra", map[string]any{"a": []int{1, 2}}}, kv{"n", 1.5})...), syncMsg()},
		{"sync with tag 64 data", frame(t, syncEntries(kv{"data", raw{0xd8, 0x40, 0x42, 0x42, 0x00}})...), syncMsg()},
		{"request", frame(t, syncEntries(kv{"type", "request"})...), func() *Message { m := syncMsg(); m.Type = TypeRequest; return m }()},
		{"doc-unavailable", frame(t, syncEntries(kv{"type", "doc-unavailable"}, kv{"data", nil})...),
			&Message{Type: TypeDocUnavailable, SenderID: "client-1", TargetID: "server", DocumentID: docA}},
		{"ephemeral", frame(t, ephemeralEntries()...), ephemeralMsg(7)},
		{"ephemeral count float64", frame(t, ephemeralEntries(kv{"count", f64(1795512400000)})...), ephemeralMsg(1795512400000)},
		{"ephemeral count float16", frame(t, ephemeralEntries(kv{"count", raw{0xf9, 0x3c, 0x00}})...), ephemeralMsg(1)},
		{"ephemeral count uint64", frame(t, ephemeralEntries(kv{"count", uint64(1) << 60})...), ephemeralMsg(1 << 60)},
		{"join", frame(t, joinEntries()...), withMeta(&PeerMetadata{IsEphemeral: true}, []string{"1"})},
		{"join storageId undefined", frame(t, joinEntries(kv{"peerMetadata", raw(frame(t, kv{"storageId", raw{0xf7}}, kv{"isEphemeral", false}))})...),
			withMeta(&PeerMetadata{}, []string{"1"})},
		{"join metadata null, no versions", frame(t, joinEntries(kv{"peerMetadata", raw{0xf6}}, kv{"supportedProtocolVersions", nil})...), withMeta(nil, nil)},
		{"join empty versions", frame(t, joinEntries(kv{"supportedProtocolVersions", []string{}})...), withMeta(&PeerMetadata{IsEphemeral: true}, []string{})},
		{"join targetId undefined", frame(t, joinEntries(kv{"targetId", raw{0xf7}})...), withMeta(&PeerMetadata{IsEphemeral: true}, []string{"1"})},
		{"peer", frame(t, kv{"type", "peer"}, kv{"senderId", "s"}, kv{"targetId", "c"}, kv{"selectedProtocolVersion", "1"}),
			&Message{Type: TypePeer, SenderID: "s", TargetID: "c", SelectedProtocolVersion: "1"}},
		{"error", frame(t, kv{"type", "error"}, kv{"senderId", "s"}, kv{"message", "unsupported protocol version"}),
			&Message{Type: TypeError, SenderID: "s", ErrorMessage: "unsupported protocol version"}},
		{"remote-heads-changed envelope", frame(t, kv{"type", "remote-heads-changed"}, kv{"senderId", "a"}, kv{"targetId", "b"},
			kv{"documentId", docA}, kv{"newHeads", map[string]any{"sid": map[string]any{"heads": []string{"x"}, "timestamp": 1.7e12}}}),
			&Message{Type: TypeRemoteHeadsChanged, SenderID: "a", TargetID: "b"}},
		{"unknown type", frame(t, kv{"type", "from-the-future"}, kv{"senderId", "a"}, kv{"documentId", 12}),
			&Message{Type: "from-the-future", SenderID: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode(%x) = %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	deep := bytes.Repeat([]byte{0x81}, MaxNestedLevels+1) // [[[…0]]]
	deep = append(deep, 0x00)
	indefBomb := append(append([]byte{0x9f}, make([]byte, MaxArrayElements+1)...), 0xff)
	manyKeys := make([]kv, 0, MaxMapPairs+1)
	manyKeys = append(manyKeys, syncEntries()...)
	for i := len(manyKeys); i <= MaxMapPairs; i++ {
		manyKeys = append(manyKeys, kv{strings.Repeat("k", i), i})
	}
	tests := []struct {
		name string
		in   []byte
		want []error
	}{
		{"empty", nil, []error{ErrMalformed}},
		{"array", enc(t, []string{"sync"}), []error{ErrMalformed}},
		{"undefined", []byte{0xf7}, []error{ErrMalformed}},
		{"truncated", frame(t, syncEntries()...)[:20], []error{ErrMalformed}},
		{"trailing bytes", append(frame(t, syncEntries()...), 0x00), []error{ErrMalformed}},
		{"reserved additional info", []byte{0xbc}, []error{ErrMalformed}},
		{"int key", append([]byte{0xa2, 0x01, 0x02}, append(enc(t, "type"), enc(t, "sync")...)...), []error{ErrMalformed}},
		{"duplicate key", frame(t, append(syncEntries(), kv{"senderId", "other"})...), []error{ErrMalformed}},
		{"too deep", frame(t, syncEntries(kv{"x", raw(deep)})...), []error{ErrMalformed}},
		{"too many keys", frame(t, manyKeys...), []error{ErrMalformed}},
		{"indefinite array bomb", frame(t, syncEntries(kv{"x", raw(indefBomb)})...), []error{ErrMalformed}},
		{"invalid utf-8", frame(t, syncEntries(kv{"senderId", raw{0x62, 0xff, 0xfe}})...), []error{ErrMalformed}},
		{"type not text", frame(t, syncEntries(kv{"type", 1})...), []error{ErrMalformed}},
		{"no type", frame(t, syncEntries(kv{"type", nil})...), []error{ErrMissingField}},
		{"empty type", frame(t, syncEntries(kv{"type", ""})...), []error{ErrMissingField}},
		{"senderId bytes", frame(t, syncEntries(kv{"senderId", []byte("c")})...), []error{ErrMalformed}},
		{"senderId undefined", frame(t, syncEntries(kv{"senderId", raw{0xf7}})...), []error{ErrMissingField}},
		{"senderId empty", frame(t, syncEntries(kv{"senderId", ""})...), []error{ErrMissingField}},
		{"no targetId", frame(t, syncEntries(kv{"targetId", nil})...), []error{ErrMissingField}},
		{"no documentId", frame(t, syncEntries(kv{"documentId", nil})...), []error{ErrMissingField}},
		{"bad documentId", frame(t, syncEntries(kv{"documentId", "2W9GC6YQFn8ymzPq8PJp3UgFTwZ8"})...), []error{ErrMalformed, ErrBadDocID}},
		{"documentId is url", frame(t, syncEntries(kv{"documentId", "automerge:" + docA})...), []error{ErrMalformed, ErrBadDocID}},
		{"documentId bytes", frame(t, syncEntries(kv{"documentId", []byte(docA)})...), []error{ErrMalformed}},
		{"no data", frame(t, syncEntries(kv{"data", nil})...), []error{ErrMissingField}},
		{"empty data", frame(t, syncEntries(kv{"data", []byte{}})...), []error{ErrMissingField}},
		{"data text", frame(t, syncEntries(kv{"data", "B"})...), []error{ErrMalformed}},
		{"data array", frame(t, syncEntries(kv{"data", []int{1}})...), []error{ErrMalformed}},
		{"request no data", frame(t, syncEntries(kv{"type", "request"}, kv{"data", raw{0xf6}})...), []error{ErrMissingField}},
		{"ephemeral no count", frame(t, ephemeralEntries(kv{"count", nil})...), []error{ErrMissingField}},
		{"ephemeral no sessionId", frame(t, ephemeralEntries(kv{"sessionId", nil})...), []error{ErrMissingField}},
		{"ephemeral negative count", frame(t, ephemeralEntries(kv{"count", -1})...), []error{ErrMalformed}},
		{"ephemeral fractional count", frame(t, ephemeralEntries(kv{"count", 1.5})...), []error{ErrMalformed}},
		{"ephemeral huge float count", frame(t, ephemeralEntries(kv{"count", 1e300})...), []error{ErrMalformed}},
		{"ephemeral NaN count", frame(t, ephemeralEntries(kv{"count", raw{0xf9, 0x7e, 0x00}})...), []error{ErrMalformed}},
		{"ephemeral text count", frame(t, ephemeralEntries(kv{"count", "1"})...), []error{ErrMalformed}},
		{"join no senderId", frame(t, joinEntries(kv{"senderId", nil})...), []error{ErrMissingField}},
		{"join metadata array", frame(t, joinEntries(kv{"peerMetadata", []int{}})...), []error{ErrMalformed}},
		{"join isEphemeral int", frame(t, joinEntries(kv{"peerMetadata", map[string]any{"isEphemeral": 1}})...), []error{ErrMalformed}},
		{"join storageId int", frame(t, joinEntries(kv{"peerMetadata", map[string]any{"storageId": 1}})...), []error{ErrMalformed}},
		{"join versions text", frame(t, joinEntries(kv{"supportedProtocolVersions", "1"})...), []error{ErrMalformed}},
		{"join version int", frame(t, joinEntries(kv{"supportedProtocolVersions", []int{1}})...), []error{ErrMalformed}},
		{"peer no targetId", frame(t, kv{"type", "peer"}, kv{"senderId", "s"}), []error{ErrMissingField}},
		{"error message int", frame(t, kv{"type", "error"}, kv{"senderId", "s"}, kv{"message", 3}), []error{ErrMalformed}},
		{"unknown type senderId int", frame(t, kv{"type", "x"}, kv{"senderId", 3}), []error{ErrMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode(%x) = %+v, want error", tt.in, got)
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Decode error %q does not wrap %q", err, want)
				}
			}
			if errors.Is(err, ErrMalformed) == errors.Is(err, ErrMissingField) {
				t.Errorf("Decode error %q wraps both or neither of ErrMalformed and ErrMissingField", err)
			}
		})
	}
}
