package scene

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestKeyBetween pins KeyBetween to the outputs of rocicorp's
// fractional-indexing (base 62) for the same inputs, so Go and the
// TypeScript editor generate the same keys.
func TestKeyBetween(t *testing.T) {
	z26 := strings.Repeat("z", 26)
	tests := []struct{ a, b, want string }{
		{"", "", "a0"},
		{"", "a0", "Zz"},
		{"", "Zz", "Zy"},
		{"a0", "", "a1"},
		{"a1", "", "a2"},
		{"a0", "a1", "a0V"},
		{"a1", "a2", "a1V"},
		{"a0V", "a1", "a0l"},
		{"Zz", "a0", "ZzV"},
		{"Zz", "a1", "a0"},
		{"", "Y00", "Xzzz"},
		{"bzz", "", "c000"},
		{"a0", "a0V", "a0G"},
		{"a0", "a0G", "a08"},
		{"b125", "b129", "b127"},
		{"a0", "a1V", "a1"},
		{"Zz", "a01", "a0"},
		{"", "a0V", "a0"},
		{"", "b999", "b99"},
		{"", "A000000000000000000000000001", "A000000000000000000000000000V"},
		{"z" + z26[:25] + "y", "", "z" + z26},
		{"z" + z26, "", "z" + z26 + "V"},
		{"a0", "a0001", "a0000V"},
		{"Zy", "Zz", "ZyV"},
		// Not in rocicorp's suite: it would return the reserved integer.
		{"", "A00000000000000000000000001", "A00000000000000000000000000V"},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			got, err := KeyBetween(tt.a, tt.b)
			if err != nil || got != tt.want {
				t.Fatalf("KeyBetween(%q, %q) = %q, %v; want %q", tt.a, tt.b, got, err, tt.want)
			}
		})
	}
}

func TestKeyBetweenErrors(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"reserved", "", "A00000000000000000000000000"},
		{"trailing zero", "a00", ""},
		{"trailing zero with b", "a00", "a1"},
		{"bad head", "0", "1"},
		{"reversed", "a1", "a0"},
		{"equal", "a1", "a1"},
		{"too short", "b1", ""},
		{"not a digit", "a-", ""},
		{"non-ASCII", "", "a\u00e9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k, err := KeyBetween(tt.a, tt.b); !errors.Is(err, ErrInvalidOrderKey) {
				t.Fatalf("KeyBetween(%q, %q) = %q, %v; want ErrInvalidOrderKey", tt.a, tt.b, k, err)
			}
		})
	}
}

func TestNKeysBetween(t *testing.T) {
	tests := []struct {
		a, b string
		n    int
		want string
	}{
		{"", "", 0, ""},
		{"", "", 1, "a0"},
		{"", "", 5, "a0 a1 a2 a3 a4"},
		{"az", "", 3, "b00 b01 b02"},
		{"", "a0", 3, "Zx Zy Zz"},
		{"a0", "a1", 3, "a0G a0V a0l"},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			got, err := NKeysBetween(tt.a, tt.b, tt.n)
			if err != nil || strings.Join(got, " ") != tt.want {
				t.Fatalf("NKeysBetween(%q, %q, %d) = %q, %v; want %q", tt.a, tt.b, tt.n, got, err, tt.want)
			}
		})
	}
	if _, err := NKeysBetween("", "", -1); !errors.Is(err, ErrInvalidOrderKey) {
		t.Errorf("n = -1: err = %v", err)
	}
	if _, err := NKeysBetween("a1", "a0", 2); !errors.Is(err, ErrInvalidOrderKey) {
		t.Errorf("reversed bounds: err = %v", err)
	}
}

// TestKeyBetweenRandomInserts is the property test: inserting at random
// positions (front, back, middle, and repeatedly at one spot, which grows
// keys) keeps the list strictly increasing and every key valid.
func TestKeyBetweenRandomInserts(t *testing.T) {
	for _, mode := range []string{"random", "front", "back", "same-gap"} {
		t.Run(mode, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(len(mode))))
			var list []string
			for i := range 2000 {
				pos := insertPos(rng, mode, len(list), i)
				lo, hi := "", ""
				if pos > 0 {
					lo = list[pos-1]
				}
				if pos < len(list) {
					hi = list[pos]
				}
				k, err := KeyBetween(lo, hi)
				if err != nil {
					t.Fatalf("insert %d between %q and %q: %v", i, lo, hi, err)
				}
				checkKeyBetween(t, lo, k, hi)
				list = slices.Insert(list, pos, k)
			}
			if !slices.IsSorted(list) {
				t.Fatal("list is not sorted")
			}
		})
	}
}

func insertPos(rng *rand.Rand, mode string, n, i int) int {
	switch mode {
	case "front":
		return 0
	case "back":
		return n
	case "same-gap":
		if i < 2 {
			return n
		}
		return 1
	}
	return rng.IntN(n + 1)
}

// checkKeyBetween asserts lo < k < hi (empty bounds open) and k valid.
func checkKeyBetween(t testing.TB, lo, k, hi string) {
	t.Helper()
	if k == "" || (lo != "" && k <= lo) || (hi != "" && k >= hi) {
		t.Fatalf("key %q not strictly between %q and %q", k, lo, hi)
	}
	if err := validateKey(k); err != nil {
		t.Fatalf("generated key is invalid: %v", err)
	}
}

func TestNKeysBetweenRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	keys, _ := NKeysBetween("", "", 50)
	for range 300 {
		i := rng.IntN(len(keys) + 1)
		lo, hi := "", ""
		if i > 0 {
			lo = keys[i-1]
		}
		if i < len(keys) {
			hi = keys[i]
		}
		n := rng.IntN(6)
		got, err := NKeysBetween(lo, hi, n)
		if err != nil || len(got) != n {
			t.Fatalf("NKeysBetween(%q, %q, %d) = %q, %v", lo, hi, n, got, err)
		}
		for j, k := range got {
			checkKeyBetween(t, lo, k, hi)
			if j > 0 && got[j-1] >= k {
				t.Fatalf("keys not increasing: %q", got)
			}
		}
		keys = slices.Insert(keys, i, got...)
	}
}

// FuzzKeyBetween: whatever the inputs, KeyBetween either fails with
// ErrInvalidOrderKey or returns a valid key strictly between them; it
// fails only when an input is invalid or the bounds are out of order.
func FuzzKeyBetween(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"a0", "a1"}, {"Zz", "a0"}, {"", "A000000000000000000000000001"},
		{"a0", "a0V"}, {"zzzzzzzzzzzzzzzzzzzzzzzzzzz", ""}, {"a00", "a1"}, {"b1", "b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		k, err := KeyBetween(a, b)
		validIn := (a == "" || isOrderKey(a)) && (b == "" || isOrderKey(b)) && (a == "" || b == "" || a < b)
		if err != nil {
			if !errors.Is(err, ErrInvalidOrderKey) || validIn {
				t.Fatalf("KeyBetween(%q, %q): %v (inputs valid: %v)", a, b, err, validIn)
			}
			return
		}
		if !validIn {
			t.Fatalf("KeyBetween(%q, %q) accepted invalid input, returned %q", a, b, k)
		}
		checkKeyBetween(t, a, k, b)
	})
}

func BenchmarkKeyBetween(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := KeyBetween("a0V", "a1"); err != nil {
			b.Fatal(err)
		}
	}
}
