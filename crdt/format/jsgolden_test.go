package format

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Changes made by @automerge/automerge 3.5.0 (Node 20) with actor aabbccdd.
// The expected ops are JS decodeChange's output, rewritten in opString's
// notation. The first change creates text, a list holding a number and a
// (text) string, and a counter; the second adds and removes a bold mark,
// splices the text, increments the counter by -2, deletes a list element and
// sets a float and a Date.
var goldenJSChanges = []struct {
	hex     string
	hash    string
	seq     uint64
	startOp uint64
	time    int64
	message string
	deps    []string
	ops     []string
}{
	{
		hex: `856f4a83fba135aa0189010004aabbccdd01010704696e6974000a010a020c110a130f15133405420a560a5708700200010500
			00010300000100010501000102077f0900010002040000027f00000200017e0002030100017d7b087800017f04746578740005
			7f046c69737400037f016e01050103017f0405017d02010402017f0005167b001400161868656c6c6f0178030b00`,
		hash: "fba135aa5cc4a531662439fa3a06522e667e775b094c2b9ba6fd86d26eda03d1",
		seq:  1, startOp: 1, time: 7, message: "init",
		ops: []string{
			`makeText _root "text" pred[]`,
			`set 1@aabbccdd _head insert "h" pred[]`,
			`set 1@aabbccdd 2@aabbccdd insert "e" pred[]`,
			`set 1@aabbccdd 3@aabbccdd insert "l" pred[]`,
			`set 1@aabbccdd 4@aabbccdd insert "l" pred[]`,
			`set 1@aabbccdd 5@aabbccdd insert "o" pred[]`,
			`makeList _root "list" pred[]`,
			`set 7@aabbccdd _head insert int 1 pred[]`,
			`makeText 7@aabbccdd 8@aabbccdd insert pred[]`,
			`set 9@aabbccdd _head insert "x" pred[]`,
			`set _root "n" counter 3 pred[]`,
		},
	},
	{
		hex: `856f4a8361639bac01c30101fba135aa5cc4a531662439fa3a06522e667e775b094c2b9ba6fd86d26eda03d104aabbccdd02
			0c0800000e01080208110c130d150d34034209560c570c700671027304940103a50110060000017f000002060100017f0700
			02040000017f0000017f00000202027c7f017c0200017f06000200067f016e00017e016602747300050504077c0103050302
			017f0203007a160014008501294a7e000000000000f83fd20905000301020003007d02097d0002087f04626f6c6400017f04
			626f6c640007`,
		hash: "61639bacacac912a4cabed1654f1a6b335c7bb9bdeaf4e47f724ea31b9e14224",
		seq:  2, startOp: 12, time: 8,
		deps: []string{"fba135aa5cc4a531662439fa3a06522e667e775b094c2b9ba6fd86d26eda03d1"},
		ops: []string{
			`markBegin 1@aabbccdd 2@aabbccdd insert true name=bold expand=true pred[]`,
			`markEnd 1@aabbccdd 4@aabbccdd insert expand=true pred[]`,
			`markBegin 1@aabbccdd 3@aabbccdd insert null name=bold expand=false pred[]`,
			`markEnd 1@aabbccdd 4@aabbccdd insert expand=false pred[]`,
			`set 1@aabbccdd _head insert "J" pred[]`,
			`del 1@aabbccdd 2@aabbccdd pred[2@aabbccdd]`,
			`inc _root "n" int -2 pred[11@aabbccdd]`,
			`del 7@aabbccdd 8@aabbccdd pred[8@aabbccdd]`,
			`set _root "f" float64 1.5 pred[]`,
			`set _root "ts" timestamp 1234 pred[]`,
		},
	},
}

func TestGoldenChangesJS(t *testing.T) {
	for _, g := range goldenJSChanges {
		t.Run(g.hash[:8], func(t *testing.T) {
			c, _, err := ParseChange(unhex(t, g.hex))
			if err != nil {
				t.Fatal(err)
			}
			var deps []string
			for _, d := range c.Deps {
				deps = append(deps, d.String())
			}
			if c.Hash.String() != g.hash || c.Seq != g.seq || c.StartOp != g.startOp || c.Time != g.time ||
				c.Message != g.message || strings.Join(deps, ",") != strings.Join(g.deps, ",") {
				t.Errorf("header: hash %s seq %d startOp %d time %d message %q deps %v",
					c.Hash, c.Seq, c.StartOp, c.Time, c.Message, deps)
			}
			ops := mustOps(t, c)
			if len(ops) != len(g.ops) {
				t.Fatalf("%d ops, want %d", len(ops), len(g.ops))
			}
			for i, op := range ops {
				if got := opString(c, op); got != g.ops[i] {
					t.Errorf("op %d:\n got %s\nwant %s", i, got, g.ops[i])
				}
			}
		})
	}
}

// opString renders an op in a notation close to JS decodeChange's.
func opString(c *Change, op Op) string {
	id := func(o OpID) string { return fmt.Sprintf("%d@%x", o.Counter, c.ActorAt(o.Actor)) }
	var b strings.Builder
	action := op.Action.String()
	if op.Action == Mark {
		action = map[bool]string{true: "markBegin", false: "markEnd"}[op.MarkBegin]
	}
	b.WriteString(action)
	switch {
	case op.Obj.IsRoot():
		b.WriteString(" _root")
	default:
		b.WriteString(" " + id(OpID(op.Obj)))
	}
	switch {
	case op.Key.IsMap:
		b.WriteString(" " + strconv.Quote(op.Key.MapKey))
	case op.Key.IsHead():
		b.WriteString(" _head")
	default:
		b.WriteString(" " + id(op.Key.Elem))
	}
	if op.Insert {
		b.WriteString(" insert")
	}
	if op.Action == Set || op.Action == Inc || op.MarkBegin {
		b.WriteString(" " + valueString(op.Value))
	}
	if op.MarkBegin {
		b.WriteString(" name=" + op.MarkName)
	}
	if op.Action == Mark {
		fmt.Fprintf(&b, " expand=%v", op.Expand)
	}
	preds := make([]string, len(op.Pred))
	for i, p := range op.Pred {
		preds[i] = id(p)
	}
	b.WriteString(" pred[" + strings.Join(preds, " ") + "]")
	return b.String()
}

// valueString renders a value as opString needs it.
func valueString(v Value) string {
	switch x := v.V.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return strconv.Quote(x)
	case int64:
		return fmt.Sprintf("int %d", x)
	case uint64:
		return fmt.Sprintf("uint %d", x)
	case float64:
		return fmt.Sprintf("float64 %v", x)
	case Counter:
		return fmt.Sprintf("counter %d", x)
	case Timestamp:
		return fmt.Sprintf("timestamp %d", x)
	case []byte:
		return fmt.Sprintf("bytes(%d) %s", v.Type, hex.EncodeToString(x))
	}
	return "?"
}
