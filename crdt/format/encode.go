package format

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"slices"
)

// ActorOp names an op by its counter and full actor id, independent of any
// change's actor table.
type ActorOp struct {
	Counter uint64
	Actor   []byte
}

// MapPut is a "set" op on a map key. Obj is the map's creating op (zero
// Counter for the root map); Value is an int64, uint64, float64, bool,
// string or nil; Pred lists the ops it overwrites.
type MapPut struct {
	Obj   ActorOp
	Key   string
	Value any
	Pred  []ActorOp
}

// ChangeSpec describes a change to encode. It is enough for tools that
// write small map edits (the load generator); documents are otherwise
// written by automerge itself.
type ChangeSpec struct {
	Deps    []ChangeHash
	Actor   []byte
	Seq     uint64
	StartOp uint64
	Time    int64
	Message string
	Ops     []MapPut
}

// Op column specs of a change chunk (notes §3.3).
const (
	specObjActor   = 0x01
	specObjCtr     = 0x02
	specKeyStr     = 0x15
	specInsert     = 0x34
	specAction     = 0x42
	specValMeta    = 0x56
	specValRaw     = 0x57
	specPredGroup  = 0x70
	specPredActor  = 0x71
	specPredCtr    = 0x73
	actionSetValue = 1
)

// EncodeChange encodes spec as an uncompressed change chunk and returns it
// parsed (with Hash and Raw), exactly as ParseChange would.
func EncodeChange(spec ChangeSpec) (*Change, error) {
	if len(spec.Actor) == 0 || spec.Seq == 0 || spec.StartOp == 0 {
		return nil, errors.New("format: encode change: actor, seq and startOp are required")
	}
	actors := actorTable(spec)
	cols, err := encodeOps(spec.Ops, actors)
	if err != nil {
		return nil, err
	}
	deps := slices.Clone(spec.Deps)
	SortHashes(deps)
	body := appendUleb(nil, uint64(len(deps)))
	for _, d := range deps {
		body = append(body, d[:]...)
	}
	body = appendBytes(body, spec.Actor)
	body = appendUleb(body, spec.Seq)
	body = appendUleb(body, spec.StartOp)
	body = appendSleb(body, spec.Time)
	body = appendBytes(body, []byte(spec.Message))
	body = appendUleb(body, uint64(len(actors)-1))
	for _, a := range actors[1:] {
		body = appendBytes(body, a)
	}
	body = appendColumns(body, cols)
	chunk := appendUleb([]byte{chunkChange}, uint64(len(body)))
	chunk = append(chunk, body...)
	sum := sha256.Sum256(chunk)
	raw := append(append(magic[:4:4], sum[:4]...), chunk...)
	c, _, err := ParseChange(raw)
	return c, err
}

// actorTable is the author followed by every other actor the ops name, sorted.
func actorTable(spec ChangeSpec) [][]byte {
	var others [][]byte
	add := func(a []byte) {
		if a == nil || bytes.Equal(a, spec.Actor) {
			return
		}
		for _, o := range others {
			if bytes.Equal(o, a) {
				return
			}
		}
		others = append(others, a)
	}
	for _, op := range spec.Ops {
		if op.Obj.Counter != 0 {
			add(op.Obj.Actor)
		}
		for _, p := range op.Pred {
			add(p.Actor)
		}
	}
	slices.SortFunc(others, bytes.Compare)
	return append([][]byte{spec.Actor}, others...)
}

func actorIndex(actors [][]byte, a []byte) uint64 {
	for i, x := range actors {
		if bytes.Equal(x, a) {
			return uint64(i)
		}
	}
	return 0
}

type column struct {
	spec uint64
	data []byte
}

// encodeOps writes the op columns, each as literal runs (what automerge
// accepts for any column), leaving out columns that are all null.
func encodeOps(ops []MapPut, actors [][]byte) ([]column, error) {
	var objA, objC, keys, act, meta, raw, pg, pa, pc []byte
	var nObj, nPred int
	var lastPred int64
	for _, op := range ops {
		if op.Obj.Counter != 0 {
			nObj++
		}
		objA = appendLiteral(objA, op.Obj.Counter != 0, actorIndex(actors, op.Obj.Actor))
		objC = appendLiteral(objC, op.Obj.Counter != 0, op.Obj.Counter)
		keys = appendSleb(keys, -1)
		keys = appendBytes(keys, []byte(op.Key))
		act = append(appendSleb(act, -1), actionSetValue)
		m, v, err := encodeValue(op.Value)
		if err != nil {
			return nil, fmt.Errorf("format: encode change: key %q: %w", op.Key, err)
		}
		meta = appendUleb(appendSleb(meta, -1), m)
		raw = append(raw, v...)
		pg = appendUleb(appendSleb(pg, -1), uint64(len(op.Pred)))
		for _, p := range op.Pred {
			nPred++
			pa = appendUleb(appendSleb(pa, -1), actorIndex(actors, p.Actor))
			pc = appendSleb(appendSleb(pc, -1), int64(p.Counter)-lastPred)
			lastPred = int64(p.Counter)
		}
	}
	cols := []column{}
	if nObj > 0 {
		cols = append(cols, column{specObjActor, objA}, column{specObjCtr, objC})
	}
	insert := appendUleb(nil, uint64(len(ops))) // one run: every op is a put, not an insert
	cols = append(cols, column{specKeyStr, keys}, column{specInsert, insert}, column{specAction, act}, column{specValMeta, meta})
	if len(raw) > 0 {
		cols = append(cols, column{specValRaw, raw})
	}
	cols = append(cols, column{specPredGroup, pg})
	if nPred > 0 {
		cols = append(cols, column{specPredActor, pa}, column{specPredCtr, pc})
	}
	return cols, nil
}

// appendLiteral appends one RLE entry: a literal run of one value, or one null.
func appendLiteral(dst []byte, present bool, v uint64) []byte {
	if !present {
		return appendUleb(appendSleb(dst, 0), 1)
	}
	return appendUleb(appendSleb(dst, -1), v)
}

// encodeValue returns a value's metadata ((length << 4) | type) and bytes.
func encodeValue(v any) (uint64, []byte, error) {
	var b []byte
	var typ uint64
	switch x := v.(type) {
	case nil:
		typ = 0
	case bool:
		typ = 1
		if x {
			typ = 2
		}
	case uint64:
		typ, b = 3, appendUleb(nil, x)
	case int64:
		typ, b = 4, appendSleb(nil, x)
	case float64:
		typ = 5
		b = make([]byte, 8)
		bits := math.Float64bits(x)
		for i := range 8 {
			b[i] = byte(bits >> (8 * i))
		}
	case string:
		typ, b = 6, []byte(x)
	default:
		return 0, nil, fmt.Errorf("unsupported value type %T", v)
	}
	return uint64(len(b))<<4 | typ, b, nil
}

func appendBytes(dst, b []byte) []byte { return append(appendUleb(dst, uint64(len(b))), b...) }

func appendColumns(dst []byte, cols []column) []byte {
	dst = appendUleb(dst, uint64(len(cols)))
	for _, c := range cols {
		dst = appendUleb(dst, c.spec)
		dst = appendUleb(dst, uint64(len(c.data)))
	}
	for _, c := range cols {
		dst = append(dst, c.data...)
	}
	return dst
}
