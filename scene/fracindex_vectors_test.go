package scene

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// updateVectors makes TestFracIndexVectors rewrite testdata/fracindex.json
// from this implementation instead of checking it:
//
//	go test ./scene -run TestFracIndexVectors -update
var updateVectors = flag.Bool("update", false, "rewrite the golden vectors generated from the Go implementation (testdata/fracindex.json)")

// fracIndexVectorsPath holds the fractional-index vectors shared with the
// TypeScript port (web/src/scene/fracindex.test.ts).
var fracIndexVectorsPath = filepath.Join("testdata", "fracindex.json")

// fracVectors is the content of testdata/fracindex.json: what KeyBetween,
// NKeysBetween, validateKey and keysForGap (the sibling re-keying of
// Position) return for a fixed set of inputs, hand-picked edge cases first,
// then pseudo-random ones from a fixed seed.
type fracVectors struct {
	Description  string          `json:"description"`
	KeyBetween   []keyBetweenVec `json:"keyBetween"`
	NKeysBetween []nKeysVec      `json:"nKeysBetween"`
	Valid        []validVec      `json:"valid"`
	Gaps         []gapVec        `json:"gaps"`
}

// keyBetweenVec is KeyBetween(A, B): Result, or Error (ErrInvalidOrderKey).
type keyBetweenVec struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Result string `json:"result,omitempty"`
	Error  bool   `json:"error,omitempty"`
}

// nKeysVec is NKeysBetween(A, B, N): Result, or Error.
type nKeysVec struct {
	A      string    `json:"a"`
	B      string    `json:"b"`
	N      int       `json:"n"`
	Result *[]string `json:"result,omitempty"` // nil exactly for an error
	Error  bool      `json:"error,omitempty"`
}

// validVec says whether Key is a fractional-index key.
type validVec struct {
	Key   string `json:"key"`
	Valid bool   `json:"valid"`
}

// gapVec is keysForGap: a node inserted before sibling Index among
// siblings whose orders are Orders (sorted as the tree sorts them) gets
// Order, and the siblings at the indices in Rekeys get new orders.
type gapVec struct {
	Orders []string `json:"orders"`
	Index  int      `json:"index"`
	Order  string   `json:"order"`
	Rekeys []gapKey `json:"rekeys"`
}

// gapKey is one re-keyed sibling of a gapVec, by index.
type gapKey struct {
	Index int    `json:"index"`
	Order string `json:"order"`
}

func TestFracIndexVectors(t *testing.T) {
	got := encodeFracVectors(t, makeFracVectors())
	if *updateVectors {
		if err := os.WriteFile(fracIndexVectorsPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", fracIndexVectorsPath)
		return
	}
	want, err := os.ReadFile(fracIndexVectorsPath)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./scene -run TestFracIndexVectors -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the Go implementation produces; if the change is intended, "+
			"regenerate it with: go test ./scene -run TestFracIndexVectors -update", fracIndexVectorsPath)
	}
}

// vecRand is splitmix64: a tiny generator whose sequence no Go release can
// change, so the vectors stay reproducible.
type vecRand uint64

func (r *vecRand) intN(n int) int {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return int((z ^ (z >> 31)) % uint64(n))
}

func makeFracVectors() fracVectors {
	r := vecRand(20240601)
	v := fracVectors{
		Description: "Fractional-index vectors generated from scene/fracindex.go and scene/position.go " +
			"by `go test ./scene -run TestFracIndexVectors -update`; checked by that test and by web/src/scene/fracindex.test.ts. " +
			"\"\" is an open bound; error means ErrInvalidOrderKey.",
	}
	keys := fixedKeyPairs()
	keys = append(keys, randomInserts(&r)...)
	for _, p := range keys {
		v.KeyBetween = append(v.KeyBetween, keyBetweenCase(p[0], p[1]))
	}
	for _, c := range nKeysCases(&r) {
		v.NKeysBetween = append(v.NKeysBetween, c)
	}
	for _, k := range validityCases(&r) {
		v.Valid = append(v.Valid, validVec{Key: k, Valid: isOrderKey(k)})
	}
	v.Gaps = gapCases(&r)
	return v
}

func keyBetweenCase(a, b string) keyBetweenVec {
	k, err := KeyBetween(a, b)
	return keyBetweenVec{A: a, B: b, Result: k, Error: err != nil}
}

// fixedKeyPairs are the edge cases: rocicorp's suite, the extremes of the
// integer range, and invalid inputs.
func fixedKeyPairs() [][2]string {
	z26 := strings.Repeat("z", 26)
	a26 := "A" + strings.Repeat("0", 26)
	return [][2]string{
		{"", ""}, {"", "a0"}, {"", "Zz"}, {"a0", ""}, {"a1", ""}, {"a0", "a1"}, {"a1", "a2"},
		{"a0V", "a1"}, {"Zz", "a0"}, {"Zz", "a1"}, {"", "Y00"}, {"bzz", ""}, {"a0", "a0V"},
		{"a0", "a0G"}, {"b125", "b129"}, {"a0", "a1V"}, {"Zz", "a01"}, {"", "a0V"}, {"", "b999"},
		{"", "A000000000000000000000000001"}, {"z" + z26[:25] + "y", ""}, {"z" + z26, ""},
		{"a0", "a0001"}, {"Zy", "Zz"}, {"", "A00000000000000000000000001"}, {"", a26 + "1"},
		{"", "A0000000000000000000000000V"}, {"Y0z", "Y10"}, {"Zzzz", "a0"}, {"a0zzz", "a1"},
		{"", a26}, {"a00", ""}, {"a00", "a1"}, {"0", "1"}, {"a1", "a0"}, {"a1", "a1"}, {"b1", ""},
		{"a-", ""}, {"", "a\u00e9"}, {"z" + z26 + "0", ""}, {"", "a"}, {"A", ""}, {"a0 ", ""},
	}
}

// randomInserts inserts keys into one list at random places (middle, front,
// back and repeatedly into one gap, which grows keys) and returns every
// (lower, upper) pair it asked for.
func randomInserts(r *vecRand) [][2]string {
	var out [][2]string
	var list []string
	for i := range 400 {
		var pos int
		switch mode := r.intN(4); {
		case mode == 0:
			pos = 0
		case mode == 1:
			pos = len(list)
		case mode == 2 && len(list) > 1:
			pos = 1
		default:
			pos = r.intN(len(list) + 1)
		}
		lo, hi := "", ""
		if pos > 0 {
			lo = list[pos-1]
		}
		if pos < len(list) {
			hi = list[pos]
		}
		out = append(out, [2]string{lo, hi})
		k, err := KeyBetween(lo, hi)
		if err != nil {
			panic(err) // the random walk only asks valid questions
		}
		list = slices.Insert(list, pos, k)
		if i%50 == 49 && len(list) > 3 { // a reversed pair now and then
			out = append(out, [2]string{list[3], list[1]})
		}
	}
	return out
}

func nKeysCases(r *vecRand) []nKeysVec {
	cases := []nKeysVec{
		{A: "", B: "", N: 0}, {A: "", B: "", N: 1}, {A: "", B: "", N: 5}, {A: "az", B: "", N: 3},
		{A: "", B: "a0", N: 3}, {A: "a0", B: "a1", N: 3}, {A: "a0", B: "a0V", N: 20}, {A: "", B: "", N: -1},
		{A: "a1", B: "a0", N: 2}, {A: "a00", B: "", N: 1}, {A: "Zz", B: "a0", N: 62},
	}
	keys, _ := NKeysBetween("", "", 30)
	for range 120 {
		i := r.intN(len(keys) + 1)
		lo, hi := "", ""
		if i > 0 {
			lo = keys[i-1]
		}
		if i < len(keys) {
			hi = keys[i]
		}
		cases = append(cases, nKeysVec{A: lo, B: hi, N: r.intN(9)})
		got, _ := NKeysBetween(lo, hi, cases[len(cases)-1].N)
		keys = slices.Insert(keys, i, got...)
	}
	for i := range cases {
		got, err := NKeysBetween(cases[i].A, cases[i].B, cases[i].N)
		if cases[i].Error = err != nil; err == nil {
			cases[i].Result = &got
		}
	}
	return cases
}

func validityCases(r *vecRand) []string {
	out := []string{"", "a0", "a00", "a0V", "Zz", "Z", "a", "A", "A00000000000000000000000000",
		"A000000000000000000000000000", "A000000000000000000000000001", "zzzzzzzzzzzzzzzzzzzzzzzzzzz",
		"zzzzzzzzzzzzzzzzzzzzzzzzzz", "b1", "b12", "b12-", "a\u00e9", "0", "~", "a0\u0000", "Y00", "Y0"}
	const alphabet = "0123456789AYZaVbyz-"
	for range 150 {
		var b strings.Builder
		for range 1 + r.intN(5) {
			b.WriteByte(alphabet[r.intN(len(alphabet))])
		}
		out = append(out, b.String())
	}
	return out
}

// gapCases runs keysForGap on sibling lists whose orders collide, are
// missing ("") or are not keys, as concurrent inserts and foreign writers
// leave them.
func gapCases(r *vecRand) []gapVec {
	pool := []string{"", "", "Z", "a0", "a0", "a0", "a1", "a1", "a0V", "a2", "a00", "Zz", "b00", "x", "zz"}
	var out []gapVec
	for range 200 {
		n := r.intN(7)
		orders := make([]string, n)
		for i := range orders {
			orders[i] = pool[r.intN(len(pool))]
		}
		slices.Sort(orders) // siblings sort by order (then id: the ids are the indices)
		out = append(out, gapCase(orders, r.intN(n+1)))
	}
	return out
}

func gapCase(orders []string, index int) gapVec {
	sibs := make([]sibling, len(orders))
	for i, o := range orders {
		sibs[i] = sibling{id: nid(i), order: o}
	}
	order, rekeys := keysForGap(sibs, index)
	g := gapVec{Orders: orders, Index: index, Order: order, Rekeys: []gapKey{}}
	for _, w := range rekeys {
		i := slices.IndexFunc(sibs, func(s sibling) bool { return s.id == w.id })
		g.Rekeys = append(g.Rekeys, gapKey{Index: i, Order: w.order})
	}
	return g
}

// encodeFracVectors writes the vectors as indented JSON with one vector per
// line, so diffs stay readable.
func encodeFracVectors(t *testing.T, v fracVectors) []byte {
	t.Helper()
	var b bytes.Buffer
	line := func(x any) string {
		var lb bytes.Buffer
		enc := json.NewEncoder(&lb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(lb.String(), "\n")
	}
	b.WriteString("{\n  \"description\": " + line(v.Description) + ",\n")
	section := func(name string, n int, item func(i int) any, last bool) {
		b.WriteString("  \"" + name + "\": [\n")
		for i := range n {
			b.WriteString("    " + line(item(i)))
			if i < n-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("  ]")
		if !last {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	section("keyBetween", len(v.KeyBetween), func(i int) any { return v.KeyBetween[i] }, false)
	section("nKeysBetween", len(v.NKeysBetween), func(i int) any { return v.NKeysBetween[i] }, false)
	section("valid", len(v.Valid), func(i int) any { return v.Valid[i] }, false)
	section("gaps", len(v.Gaps), func(i int) any { return v.Gaps[i] }, true)
	b.WriteString("}\n")
	return b.Bytes()
}
