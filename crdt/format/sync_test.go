package format

import (
	"bytes"
	"errors"
	"testing"

	"github.com/automerge/automerge-go"
)

// syncPeer is one side of an automerge-go sync session.
type syncPeer struct {
	doc *automerge.Doc
	ss  *automerge.SyncState
}

// syncRounds runs the sync protocol between a and b until neither has
// anything to send, checking every message with check. It returns the
// number of messages exchanged.
func syncRounds(t testing.TB, a, b syncPeer, check func(t testing.TB, wire []byte)) int {
	t.Helper()
	sent := 0
	for range 20 {
		progress := false
		for _, p := range [][2]syncPeer{{a, b}, {b, a}} {
			msg, ok := p[0].ss.GenerateMessage()
			if !ok {
				continue
			}
			wire := msg.Bytes()
			check(t, wire)
			if _, err := p[1].ss.ReceiveMessage(wire); err != nil {
				t.Fatal(err)
			}
			progress, sent = true, sent+1
		}
		if !progress {
			return sent
		}
	}
	t.Fatal("sync did not converge")
	return sent
}

// checkSyncRoundTrip decodes an automerge-go message, checks that it
// re-encodes byte for byte, and parses every change it carries.
func checkSyncRoundTrip(t testing.TB, wire []byte) {
	t.Helper()
	m, err := DecodeSyncMessage(wire)
	if err != nil {
		t.Fatalf("decode %x: %v", wire, err)
	}
	if enc := m.Encode(); !bytes.Equal(enc, wire) {
		t.Fatalf("re-encoded\n%x\nwant\n%x", enc, wire)
	}
	if m.Version != SyncV1 || m.HasFlags {
		t.Errorf("version 0x%x flags %v", m.Version, m.HasFlags)
	}
	for _, blob := range m.Changes {
		c, n, err := ParseChange(blob)
		if err != nil || n != len(blob) {
			t.Fatalf("change in message: n %d/%d err %v", n, len(blob), err)
		}
		_ = c
	}
	for _, h := range m.Have {
		if _, err := DecodeBloom(h.Bloom); err != nil {
			t.Errorf("have bloom: %v", err)
		}
	}
}

func TestSyncMessagesAutomerge(t *testing.T) {
	docA, _ := amHistory(t)
	docB := automerge.New()
	a := syncPeer{docA, automerge.NewSyncState(docA)}
	b := syncPeer{docB, automerge.NewSyncState(docB)}
	changes := 0
	n := syncRounds(t, a, b, func(t testing.TB, wire []byte) {
		checkSyncRoundTrip(t, wire)
		m, _ := DecodeSyncMessage(wire)
		changes += len(m.Changes)
	})
	if n < 3 || changes != len(amChanges(t, docA)) {
		t.Errorf("%d messages carried %d changes, want %d", n, changes, len(amChanges(t, docA)))
	}
	if !slicesEqualHashes(docA.Heads(), docB.Heads()) {
		t.Error("documents did not converge")
	}
}

// slicesEqualHashes compares automerge hash lists.
func slicesEqualHashes(a, b []automerge.ChangeHash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSyncBloomMatchesAutomerge(t *testing.T) {
	docA, _ := amHistory(t)
	docB := automerge.New()
	a := syncPeer{docA, automerge.NewSyncState(docA)}
	b := syncPeer{docB, automerge.NewSyncState(docB)}
	syncRounds(t, a, b, checkSyncRoundTrip)
	shared := docA.Heads()

	root := docA.RootMap()
	for i := range 5 {
		must(t, root.Set("after", int64(i)))
		amCommit(t, docA, "after sync", false)
	}
	msg, ok := a.ss.GenerateMessage()
	if !ok {
		t.Fatal("no message after new changes")
	}
	wire := msg.Bytes()
	checkSyncRoundTrip(t, wire)
	m, _ := DecodeSyncMessage(wire)
	if len(m.Have) != 1 || len(m.Have[0].Bloom) == 0 {
		t.Fatalf("have = %+v, want one non-empty bloom", m.Have)
	}
	var lastSync []ChangeHash
	for _, h := range shared {
		lastSync = append(lastSync, ChangeHash(h))
	}
	SortHashes(lastSync)
	if !hashesEqual(m.Have[0].LastSync, lastSync) {
		t.Errorf("lastSync %v, want shared heads %v", m.Have[0].LastSync, lastSync)
	}

	hashes := changesSince(t, docA, shared)
	if got := NewBloom(hashes); !bytes.Equal(got, m.Have[0].Bloom) {
		t.Errorf("NewBloom = %x, automerge sent %x", got, m.Have[0].Bloom)
	}
	f, err := DecodeBloom(m.Have[0].Bloom)
	must(t, err)
	for _, h := range hashes {
		if !f.Contains(h) {
			t.Errorf("automerge's bloom does not contain %s", h)
		}
	}
	if f.NumEntries() != len(hashes) {
		t.Errorf("NumEntries %d, want %d", f.NumEntries(), len(hashes))
	}
}

// changesSince returns the hashes of the changes of d not reachable from
// heads: the set a bloom filter with lastSync heads covers.
func changesSince(t testing.TB, d *automerge.Doc, heads []automerge.ChangeHash) []ChangeHash {
	t.Helper()
	since, err := d.Changes(heads...)
	must(t, err)
	var hashes []ChangeHash
	for _, c := range since {
		hashes = append(hashes, ChangeHash(c.Hash()))
	}
	return hashes
}

// hashesEqual compares hash lists, treating nil and empty alike.
func hashesEqual(a, b []ChangeHash) bool {
	return len(a) == len(b) && (len(a) == 0 || bytes.Equal(hashBytes(a), hashBytes(b)))
}

// hashBytes concatenates hashes.
func hashBytes(hs []ChangeHash) []byte {
	var out []byte
	for _, h := range hs {
		out = append(out, h[:]...)
	}
	return out
}

func TestDecodeSyncMessageErrors(t *testing.T) {
	h := "fce334ff39423b417c4d2d7ed90a224f9c05a6c35b25bde9e389c466ed1af375"
	tests := []struct {
		name string
		hex  string
	}{
		{"empty", ""},
		{"bad type byte", "41 00 00 00 00"},
		{"huge heads count", "42 ffffffff0f"},
		{"heads count beyond input", "42 02" + h + "00 00 00"},
		{"huge have count", "42 00 00 ffffffff0f"},
		{"bloom length beyond input", "42 00 00 01 00 09 01 0a 07 00"},
		{"malformed bloom", "42 00 00 01 00 04 01 0a 07 00 00"},
		{"huge change count", "42 00 00 00 ffffffff0f"},
		{"change length beyond input", "42 00 00 00 01 05 00"},
		{"missing changes count", "42 00 00 00"},
		{"overlong count", "42 8000 00 00 00"},
		{"flags length beyond input", "42 00 00 00 00 03 02 84"},
		{"garbage after flags", "42 00 00 00 00 02 02 84 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := DecodeSyncMessage(unhex(t, tt.hex)); !errors.Is(err, ErrBadSyncMessage) {
				t.Errorf("got %+v, %v; want ErrBadSyncMessage", m, err)
			}
		})
	}
}

func TestDecodeSyncMessageTruncated(t *testing.T) {
	for _, s := range []string{goldenSyncJS, goldenSyncServer} {
		b := unhex(t, s)
		for i := range b {
			_, err := DecodeSyncMessage(b[:i])
			if i == len(b)-3 { // the message without its flags section is valid
				if err != nil {
					t.Errorf("without flags: %v", err)
				}
				continue
			}
			if !errors.Is(err, ErrBadSyncMessage) {
				t.Errorf("truncated to %d: err = %v", i, err)
			}
		}
	}
}

func TestSyncMessageEncode(t *testing.T) {
	var h ChangeHash
	h[0] = 7
	tests := []struct {
		name string
		m    SyncMessage
		want string
	}{
		{"zero value is V1", SyncMessage{}, "42 00 00 00 00"},
		{"legacy flags re-encode in 3.5 form", SyncMessage{Version: SyncV2, HasFlags: true}, "43 00 00 00 00 02 02 80"},
		{"sync reset", SyncMessage{HasFlags: true, Flags: FlagSyncReset | FlagSupportsSyncReset}, "42 00 00 00 00 02 02 85"},
		{"changes and have", SyncMessage{
			Heads: []ChangeHash{h}, Have: []Have{{LastSync: []ChangeHash{h}, Bloom: []byte{9}}},
			Changes: [][]byte{{1, 2}, {}},
		}, "42 01 07" + zeros(31) + "00 01 01 07" + zeros(31) + "01 09 02 02 0102 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.want)
			if got := tt.m.Encode(); !bytes.Equal(got, want) {
				t.Errorf("Encode = %x, want %x", got, want)
			}
			if got := tt.m.AppendEncode([]byte{0xee}); !bytes.Equal(got, append([]byte{0xee}, want...)) {
				t.Errorf("AppendEncode = %x", got)
			}
		})
	}
	legacy, err := DecodeSyncMessage(unhex(t, "42 00 00 00 00 02 01 02"))
	if err != nil || !legacy.HasFlags || legacy.Flags != 0 {
		t.Errorf("legacy flags: %+v %v", legacy, err)
	}
}

// zeros returns n zero bytes in hex.
func zeros(n int) string {
	return string(bytes.Repeat([]byte("00"), n))
}
