package wire

import "fmt"

// AppendDocMessage appends the encoding of a sync, request, ephemeral or
// doc-unavailable message to dst, byte for byte what Encode writes, without
// reflection or re-validating DocumentID (the caller got it from a decoded
// message or the store). It is the server's hot path: one call per message
// per peer.
func AppendDocMessage(dst []byte, m *Message) ([]byte, error) {
	n := 4 // type, senderId, targetId, documentId
	switch m.Type {
	case TypeSync, TypeRequest:
		n++
	case TypeEphemeral:
		n += 3
	case TypeDocUnavailable:
	default:
		return dst, fmt.Errorf("%w: %q is not a document message", ErrUnencodable, m.Type)
	}
	if m.SenderID == "" || m.TargetID == "" || m.DocumentID == "" || (n > 4 && len(m.Data) == 0) {
		return dst, fmt.Errorf("%w: %s message needs senderId, targetId, documentId and data", ErrMissingField, m.Type)
	}
	dst = append(dst, 0xa0|byte(n))
	dst = appendText(appendText(dst, "type"), m.Type)
	dst = appendText(appendText(dst, "senderId"), string(m.SenderID))
	dst = appendText(appendText(dst, "targetId"), string(m.TargetID))
	dst = appendText(appendText(dst, "documentId"), string(m.DocumentID))
	if n == 4 {
		return dst, nil
	}
	dst = appendHead(appendText(dst, "data"), 2, uint64(len(m.Data)))
	dst = append(dst, m.Data...)
	if m.Type == TypeEphemeral {
		dst = appendHead(appendText(dst, "count"), 0, m.Count)
		dst = appendText(appendText(dst, "sessionId"), m.SessionID)
	}
	return dst, nil
}

func appendText(dst []byte, s string) []byte {
	return append(appendHead(dst, 3, uint64(len(s))), s...)
}

// appendHead appends a CBOR head of major type major with argument v, in
// the shortest form (RFC 8949 §3).
func appendHead(dst []byte, major byte, v uint64) []byte {
	m := major << 5
	switch {
	case v < 24:
		return append(dst, m|byte(v))
	case v <= 0xff:
		return append(dst, m|24, byte(v))
	case v <= 0xffff:
		return append(dst, m|25, byte(v>>8), byte(v))
	case v <= 0xffffffff:
		return append(dst, m|26, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(dst, m|27, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
