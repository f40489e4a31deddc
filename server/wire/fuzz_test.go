package wire

import (
	"errors"
	"reflect"
	"testing"

	"atelier/store"
)

// FuzzDecode checks that Decode never panics, that every error wraps
// ErrMalformed or ErrMissingField, and that whatever it accepts re-encodes
// to a frame that decodes to the same Message.
func FuzzDecode(f *testing.F) {
	for _, path := range []string{notesFile, capturedFile, goEncodedFile} {
		for _, v := range readVectors(f, path).Vectors {
			f.Add(mustHex(f, v.Hex))
		}
	}
	f.Add(frame(f, ephemeralEntries(kv{"count", f64(1e12)})...))
	f.Add(frame(f, joinEntries(kv{"peerMetadata", raw{0xf7}})...))
	f.Add([]byte{0xbf, 0x9f, 0x9f, 0x9f, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrMissingField) {
				t.Fatalf("Decode error %v wraps neither sentinel", err)
			}
			return
		}
		if m.Type == TypeRemoteHeadsChanged {
			return // envelope only; Encode refuses it
		}
		again, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode(Decode(%x)) = %v", b, err)
		}
		m2, err := Decode(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %+v -> %x -> %+v, %v", m, again, m2, err)
		}
	})
}

// FuzzParseDocURL checks that ParseDocURL and ParseDocID never panic and
// that every accepted id round-trips through its bytes.
func FuzzParseDocURL(f *testing.F) {
	f.Add("automerge:" + docA)
	f.Add("automerge:" + docB + "#" + encodeCheck(make([]byte, 32)))
	f.Add(docA)
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (string, error){
			func(s string) (string, error) { id, err := ParseDocURL(s); return string(id), err },
			func(s string) (string, error) { id, err := ParseDocID(s); return string(id), err },
		} {
			id, err := parse(s)
			if err != nil {
				continue
			}
			b, err := DocIDBytes(store.DocID(id))
			if err != nil {
				t.Fatalf("accepted %q but DocIDBytes fails: %v", id, err)
			}
			if back, _ := DocIDFromBytes(b); string(back) != id {
				t.Fatalf("%q -> %x -> %q", id, b, back)
			}
		}
	})
}
