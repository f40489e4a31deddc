package format

import (
	"errors"
	"fmt"
)

// MaxChangeOps is the largest number of operations ParseChange accepts in one
// change (and half the number of predecessor entries). Run-length encoding
// lets a few bytes declare billions of ops, so without this cap a tiny
// malicious change could keep the decoder busy for minutes.
const MaxChangeOps = 1 << 22

// maxPreds caps the total number of predecessor entries of one change.
const maxPreds = 2 * MaxChangeOps

// The op columns of a change chunk that this package understands, in spec
// order (see the table in the package notes, "Op columns in change chunks").
const (
	colObjActor = iota
	colObjCtr
	colKeyActor
	colKeyCtr
	colKeyStr
	colInsert
	colAction
	colValMeta
	colVal
	colPredGroup
	colPredActor
	colPredCtr
	colExpand
	colMarkName
	numCols
)

var colNames = [numCols]string{
	"obj actor", "obj counter", "key actor", "key counter", "key string",
	"insert", "action", "value metadata", "value", "pred group",
	"pred actor", "pred counter", "expand", "mark name",
}

// colIndex returns the index of the known column with the given spec, or -1.
func colIndex(spec uint64) int {
	switch spec {
	case 1:
		return colObjActor
	case 2:
		return colObjCtr
	case 17:
		return colKeyActor
	case 19:
		return colKeyCtr
	case 21:
		return colKeyStr
	case 52:
		return colInsert
	case 66:
		return colAction
	case 86:
		return colValMeta
	case 87:
		return colVal
	case 112:
		return colPredGroup
	case 113:
		return colPredActor
	case 115:
		return colPredCtr
	case 148:
		return colExpand
	case 165:
		return colMarkName
	}
	return -1
}

// span is a byte range [off, end) of a change's Raw bytes (at most
// MaxChangeSize for a compressed input; see readColumns for type 1).
type span struct{ off, end int32 }

var (
	errKeyBoth = errors.New("key has both a string and an element id")
	errBadInc  = errors.New("inc value is not an int or uint")
)

// colError wraps a column decoding problem in ErrBadColumn.
func colError(col int, err error) error {
	return fmt.Errorf("%w: %s column: %w", ErrBadColumn, colNames[col], err)
}

// rawOp is one decoded row of the op columns. Its byte slices alias the
// change's Raw bytes.
type rawOp struct {
	obj      ObjID
	elem     OpID
	mapKey   []byte
	val      []byte
	markName []byte // nil when the op has no mark name
	action   uint64
	numPred  uint64
	valType  ValueType
	isMap    bool
	insert   bool
	expand   bool
}

// opIter walks the op columns row by row, validating each row.
type opIter struct {
	objActor, objCtr, keyActor, keyStr    rleCol
	action, valMeta, predGroup, predActor rleCol
	markName                              rleCol
	keyCtr, predCtr                       deltaCol
	insert, expand                        boolCol
	val                                   reader
	numActors                             uint64
	nops, npreds                          int
	collect                               bool   // append predecessors to preds
	preds                                 []OpID // every op's predecessors, in order
}

// opIter returns an iterator over c's op columns.
func (c *Change) opIter() opIter {
	col := func(i int) []byte { return c.Raw[c.cols[i].off:c.cols[i].end] }
	return opIter{
		objActor:  newRLE(col(colObjActor), rleUint),
		objCtr:    newRLE(col(colObjCtr), rleUint),
		keyActor:  newRLE(col(colKeyActor), rleUint),
		keyCtr:    newDelta(col(colKeyCtr)),
		keyStr:    newRLE(col(colKeyStr), rleStr),
		insert:    newBool(col(colInsert)),
		action:    newRLE(col(colAction), rleUint),
		valMeta:   newRLE(col(colValMeta), rleUint),
		val:       reader{b: col(colVal)},
		predGroup: newRLE(col(colPredGroup), rleUint),
		predActor: newRLE(col(colPredActor), rleUint),
		predCtr:   newDelta(col(colPredCtr)),
		expand:    newBool(col(colExpand)),
		markName:  newRLE(col(colMarkName), rleStr),
		numActors: 1 + uint64(len(c.OtherActors)),
	}
}

// count validates every row and returns the number of ops.
func (it *opIter) count() (int, error) {
	var op rawOp
	for !it.action.done() {
		if err := it.next(&op); err != nil {
			return 0, err
		}
	}
	return it.nops, it.finish()
}

// next decodes and validates the next row into op.
func (it *opIter) next(op *rawOp) error {
	if it.nops++; it.nops > MaxChangeOps {
		return fmt.Errorf("%w: more than %d", ErrTooManyOps, MaxChangeOps)
	}
	a, _, ok, err := it.action.next()
	if err == nil && !ok {
		err = errNull
	}
	if err != nil {
		return colError(colAction, err)
	}
	op.action = a
	if err := it.readObj(op); err != nil {
		return err
	}
	if err := it.readKey(op); err != nil {
		return err
	}
	if op.insert, err = it.insert.next(); err != nil {
		return colError(colInsert, err)
	}
	if err := it.readValue(op); err != nil {
		return err
	}
	if err := it.readPreds(op); err != nil {
		return err
	}
	return it.readMark(op)
}

// readObj decodes the object id: both columns null (or counter 0) is the
// root, otherwise both must be present.
func (it *opIter) readObj(op *rawOp) error {
	a, _, aok, err := it.objActor.next()
	if err != nil {
		return colError(colObjActor, err)
	}
	c, _, cok, err := it.objCtr.next()
	switch {
	case err != nil:
		return colError(colObjCtr, err)
	case (cok && c == 0) || (!aok && !cok):
		op.obj = ObjID{}
	case !aok:
		return colError(colObjActor, errNull)
	case !cok:
		return colError(colObjCtr, errNull)
	case a >= it.numActors:
		return colError(colObjActor, errActorIndex)
	default:
		op.obj = ObjID{Counter: c, Actor: int(a)}
	}
	return nil
}

// readKey decodes the key: a map key string, or an element id given by the
// key actor and key counter columns (counter 0 with a null actor is _head).
func (it *opIter) readKey(op *rawOp) error {
	a, _, aok, err := it.keyActor.next()
	if err != nil {
		return colError(colKeyActor, err)
	}
	c, cok, err := it.keyCtr.next()
	if err != nil {
		return colError(colKeyCtr, err)
	}
	_, s, sok, err := it.keyStr.next()
	if err != nil {
		return colError(colKeyStr, err)
	}
	op.isMap, op.mapKey, op.elem = sok, s, OpID{}
	switch {
	case sok && (aok || cok):
		return colError(colKeyStr, errKeyBoth)
	case sok:
	case !cok:
		return colError(colKeyCtr, errNull)
	case c < 0:
		return colError(colKeyCtr, errOverflow)
	case c == 0:
	case !aok:
		return colError(colKeyActor, errNull)
	case a >= it.numActors:
		return colError(colKeyActor, errActorIndex)
	default:
		op.elem = OpID{Counter: uint64(c), Actor: int(a)}
	}
	return nil
}

// readValue decodes the value metadata and takes the value's bytes from the
// raw value column.
func (it *opIter) readValue(op *rawOp) error {
	m, _, _, err := it.valMeta.next() // a null entry reads as 0: null value
	if err != nil {
		return colError(colValMeta, err)
	}
	op.valType = ValueType(m & 0x0f)
	op.val = it.val.bytes(m >> 4)
	if it.val.err != nil {
		return colError(colVal, it.val.err)
	}
	if err := checkValue(op.valType, op.val); err != nil {
		return colError(colVal, err)
	}
	if Action(op.action) == Inc && op.valType != TypeInt && op.valType != TypeUint {
		return colError(colVal, errBadInc)
	}
	return nil
}

// readPreds reads the op's predecessor count and its predecessors.
func (it *opIter) readPreds(op *rawOp) error {
	n, _, _, err := it.predGroup.next() // a null count reads as 0
	if err != nil {
		return colError(colPredGroup, err)
	}
	if n > uint64(maxPreds-it.npreds) {
		return fmt.Errorf("%w: more than %d predecessors", ErrTooManyOps, maxPreds)
	}
	it.npreds += int(n)
	op.numPred = n
	for range n {
		a, _, ok, err := it.predActor.next()
		if err == nil && !ok {
			err = errNull
		} else if err == nil && a >= it.numActors {
			err = errActorIndex
		}
		if err != nil {
			return colError(colPredActor, err)
		}
		c, ok, err := it.predCtr.next()
		if err == nil && (!ok || c < 0) {
			err = errNull
		}
		if err != nil {
			return colError(colPredCtr, err)
		}
		if it.collect {
			it.preds = append(it.preds, OpID{Counter: uint64(c), Actor: int(a)})
		}
	}
	return nil
}

// readMark reads the expand flag and the mark name.
func (it *opIter) readMark(op *rawOp) error {
	var err error
	if op.expand, err = it.expand.next(); err != nil {
		return colError(colExpand, err)
	}
	_, s, ok, err := it.markName.next()
	if err != nil {
		return colError(colMarkName, err)
	}
	op.markName = nil
	if ok {
		op.markName = s[:len(s):len(s)]
		if op.markName == nil {
			op.markName = []byte{}
		}
	}
	return nil
}

// finish checks that every column has been read to its end.
func (it *opIter) finish() error {
	rles := [...]struct {
		col int
		c   *rleCol
	}{
		{colObjActor, &it.objActor}, {colObjCtr, &it.objCtr},
		{colKeyActor, &it.keyActor}, {colKeyCtr, &it.keyCtr.rleCol},
		{colKeyStr, &it.keyStr}, {colAction, &it.action},
		{colValMeta, &it.valMeta}, {colPredGroup, &it.predGroup},
		{colPredActor, &it.predActor}, {colPredCtr, &it.predCtr.rleCol},
		{colMarkName, &it.markName},
	}
	for _, r := range rles {
		if err := r.c.finish(); err != nil {
			return colError(r.col, err)
		}
	}
	if err := it.insert.finish(); err != nil {
		return colError(colInsert, err)
	}
	if err := it.expand.finish(); err != nil {
		return colError(colExpand, err)
	}
	if it.val.left() != 0 {
		return colError(colVal, errLongColumn)
	}
	return nil
}
