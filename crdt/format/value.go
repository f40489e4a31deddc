package format

import (
	"encoding/binary"
	"errors"
	"math"
	"unicode/utf8"
)

// ValueType is the type code in the low four bits of an op's value metadata
// (binary format spec, "Value metadata"). Codes from 10 up are unknown types,
// kept with their raw bytes.
type ValueType uint8

// Value type codes.
const (
	TypeNull      ValueType = 0 // no value; V is nil
	TypeFalse     ValueType = 1 // V is false
	TypeTrue      ValueType = 2 // V is true
	TypeUint      ValueType = 3 // V is a uint64 (uLEB)
	TypeInt       ValueType = 4 // V is an int64 (sLEB)
	TypeFloat     ValueType = 5 // V is a float64 (8 bytes little-endian)
	TypeString    ValueType = 6 // V is a string (UTF-8)
	TypeBytes     ValueType = 7 // V is a []byte
	TypeCounter   ValueType = 8 // V is a Counter (sLEB)
	TypeTimestamp ValueType = 9 // V is a Timestamp (sLEB milliseconds)
)

// Counter is the value of a counter scalar: its initial value.
type Counter int64

// Timestamp is the value of a timestamp scalar, in milliseconds since the
// Unix epoch.
type Timestamp int64

// Value is an op's scalar value: its type code and the decoded Go value (see
// the Type* constants). For an unknown type code V holds the raw bytes as a
// []byte.
type Value struct {
	Type ValueType
	V    any
}

var errBadValue = errors.New("value bytes do not match their type")

// checkValue validates the raw bytes b of a value of type t without
// allocating.
func checkValue(t ValueType, b []byte) error {
	var ok bool
	switch t {
	case TypeNull, TypeFalse, TypeTrue:
		ok = len(b) == 0
	case TypeUint:
		_, n, err := uleb(b)
		ok = err == nil && n == len(b)
	case TypeInt, TypeCounter, TypeTimestamp:
		_, n, err := sleb(b)
		ok = err == nil && n == len(b)
	case TypeFloat:
		ok = len(b) == 8
	case TypeString:
		ok = utf8.Valid(b)
	default: // bytes and unknown types: anything goes
		ok = true
	}
	if !ok {
		return errBadValue
	}
	return nil
}

// makeValue converts raw value bytes (already validated by checkValue) into
// a Value. The []byte results are copies.
func makeValue(t ValueType, b []byte) Value {
	v := Value{Type: t}
	switch t {
	case TypeFalse:
		v.V = false
	case TypeTrue:
		v.V = true
	case TypeUint:
		v.V, _, _ = uleb(b)
	case TypeInt:
		i, _, _ := sleb(b)
		v.V = i
	case TypeCounter:
		i, _, _ := sleb(b)
		v.V = Counter(i)
	case TypeTimestamp:
		i, _, _ := sleb(b)
		v.V = Timestamp(i)
	case TypeFloat:
		v.V = math.Float64frombits(binary.LittleEndian.Uint64(b))
	case TypeString:
		v.V = string(b)
	case TypeNull:
	default:
		v.V = append([]byte{}, b...)
	}
	return v
}
