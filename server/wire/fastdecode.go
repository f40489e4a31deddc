package wire

import (
	"sync"
	"unicode/utf8"

	"atelier/store"
)

// decodeDocFast decodes the common shape of a sync or request message
// without reflection: one definite-length map (cbor-x writes 0xb9 + a 16-bit
// count) of exactly the keys type, senderId, targetId, documentId and data,
// with text values and a plain byte string. Anything else, including any
// input the strict decoder would refuse, returns ok=false and the caller
// takes the strict path; FuzzDecodeFastAgrees checks the two agree. Data
// aliases b.
func decodeDocFast(b []byte) (*Message, bool) {
	n, p, ok := mapHead(b)
	if !ok || n != 5 {
		return nil, false
	}
	m := &Message{}
	var seen uint8
	for range n {
		var key string
		if key, p, ok = textAt(b, p); !ok {
			return nil, false
		}
		bit, ok := fastKeys[key]
		if !ok || seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		if key == "data" {
			if m.Data, p, ok = bytesAt(b, p); !ok {
				return nil, false
			}
			continue
		}
		var v string
		if v, p, ok = textAt(b, p); !ok {
			return nil, false
		}
		setFast(m, key, v)
	}
	if p != len(b) || (m.Type != TypeSync && m.Type != TypeRequest) || m.SenderID == "" || m.TargetID == "" || len(m.Data) == 0 {
		return nil, false
	}
	return m, validDocID(m.DocumentID)
}

var fastKeys = map[string]uint8{"type": 1, "senderId": 2, "targetId": 4, "documentId": 8, "data": 16}

func setFast(m *Message, key, v string) {
	switch key {
	case "type":
		m.Type = v
	case "senderId":
		m.SenderID = PeerID(v)
	case "targetId":
		m.TargetID = PeerID(v)
	case "documentId":
		m.DocumentID = store.DocID(v)
	}
}

// mapHead reads a definite-length map head at the start of b.
func mapHead(b []byte) (n int, p int, ok bool) {
	switch {
	case len(b) > 0 && b[0] >= 0xa0 && b[0] <= 0xb7:
		return int(b[0] - 0xa0), 1, true
	case len(b) > 2 && b[0] == 0xb9:
		return int(b[1])<<8 | int(b[2]), 3, true
	}
	return 0, 0, false
}

// textAt reads a definite-length, valid UTF-8 text string at b[p:].
func textAt(b []byte, p int) (string, int, bool) {
	v, q, ok := stringAt(b, p, majorText)
	if !ok || !utf8.Valid(v) {
		return "", 0, false
	}
	return string(v), q, true
}

// bytesAt reads a definite-length byte string at b[p:].
func bytesAt(b []byte, p int) ([]byte, int, bool) { return stringAt(b, p, majorBytes) }

func stringAt(b []byte, p int, want byte) ([]byte, int, bool) {
	if p >= len(b) || major(b[p]) != want {
		return nil, 0, false
	}
	info := b[p] & 0x1f
	p++
	var n uint64
	switch {
	case info < 24:
		n = uint64(info)
	case info <= 27:
		size := 1 << (info - 24)
		if p+size > len(b) {
			return nil, 0, false
		}
		for _, c := range b[p : p+size] {
			n = n<<8 | uint64(c)
		}
		p += size
	default:
		return nil, 0, false // indefinite length or reserved
	}
	if n > uint64(len(b)-p) {
		return nil, 0, false
	}
	return b[p : p+int(n)], p + int(n), true
}

// docIDCache remembers document ids that passed ParseDocID, so the hot path
// does not redo base58 and two SHA-256 per message. It is bounded: when full
// it starts over.
var docIDCache = struct {
	sync.Mutex
	ids map[store.DocID]struct{}
}{ids: map[store.DocID]struct{}{}}

const docIDCacheMax = 1 << 16

func validDocID(id store.DocID) bool {
	docIDCache.Lock()
	_, ok := docIDCache.ids[id]
	docIDCache.Unlock()
	if ok {
		return true
	}
	if _, err := ParseDocID(string(id)); err != nil {
		return false
	}
	docIDCache.Lock()
	if len(docIDCache.ids) >= docIDCacheMax {
		clear(docIDCache.ids)
	}
	docIDCache.ids[id] = struct{}{}
	docIDCache.Unlock()
	return true
}
