package scene

import "fmt"

// Fractional-index keys give siblings their `order`. They follow the
// scheme of David Greenspan's "Implementing Fractional Indexing" as
// published in the rocicorp `fractional-indexing` package (the one Figma
// popularised), with base-62 digits, so the TypeScript editor can use that
// package and produce the same keys:
//
//   - a key is an integer part followed by an optional fraction;
//   - the integer part is a head letter and then as many base-62 digits as
//     the head says: 'a'..'z' are followed by 1..26 digits, 'Z'..'A' by
//     1..26 digits too, and every 'A'..'Z' integer sorts below every
//     'a'..'z' one ("a0" is zero, "a1" one, "Zz" minus one);
//   - the fraction is base-62 digits without a trailing '0';
//   - "A" followed by 26 '0's is reserved and is not a key.
//
// Digits are "0-9A-Za-z" in that (ASCII) order, so keys compare byte-wise
// and KeyBetween(a, b) always returns a key strictly between a and b.
//
// Keys are not unique across replicas: two peers inserting between the
// same neighbours at the same time compute the same key. That is harmless,
// because the tree rules sort siblings by order and then by node id, so
// both replicas still show the same sequence; a later insertion between
// two nodes with equal keys re-keys one of them (see Position).

// digits62 are the base-62 digits in ascending byte order.
const digits62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// smallestInteger is the reserved integer part below every key's.
const smallestInteger = "A00000000000000000000000000"

// KeyBetween returns a fractional-index key that sorts strictly between a
// and b byte-wise. An empty a means "no lower bound" and an empty b "no
// upper bound"; KeyBetween("", "") is "a0". The result is never empty and
// is as short as the scheme allows. It fails with ErrInvalidOrderKey when a
// or b is not empty and not a key, or when a >= b.
//
// For valid inputs the result equals rocicorp fractional-indexing's
// generateKeyBetween(a || null, b || null).
func KeyBetween(a, b string) (string, error) {
	if err := checkBounds(a, b); err != nil {
		return "", err
	}
	switch {
	case a == "" && b == "":
		return "a0", nil
	case a == "":
		return keyBefore(b)
	case b == "":
		return keyAfter(a), nil
	}
	ia, fa := splitKey(a)
	ib, fb := splitKey(b)
	if ia == ib {
		return ia + midpoint(fa, fb, false), nil
	}
	if i, ok := incrementInteger(ia); ok && i < b {
		return i, nil
	}
	return ia + midpoint(fa, "", true), nil
}

// NKeysBetween returns n keys in strictly increasing order, all strictly
// between a and b (empty meaning unbounded, as for KeyBetween). With an
// open end the keys are consecutive integers ("a0", "a1", …); between two
// keys they are spread by bisection, so they stay short. n = 0 yields an
// empty slice. Errors are those of KeyBetween, and ErrInvalidOrderKey for
// a negative n.
func NKeysBetween(a, b string, n int) ([]string, error) {
	if n < 0 {
		return nil, fmt.Errorf("%w: negative count %d", ErrInvalidOrderKey, n)
	}
	if err := checkBounds(a, b); err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	return appendKeysBetween(out, a, b, n)
}

// appendKeysBetween appends n keys between the already checked bounds.
func appendKeysBetween(out []string, a, b string, n int) ([]string, error) {
	switch {
	case n == 0:
		return out, nil
	case b == "":
		for range n {
			k, err := KeyBetween(a, "")
			if err != nil {
				return nil, err
			}
			out, a = append(out, k), k
		}
		return out, nil
	case a == "":
		start := len(out)
		for range n {
			k, err := KeyBetween("", b)
			if err != nil {
				return nil, err
			}
			out, b = append(out, k), k
		}
		reverse(out[start:])
		return out, nil
	}
	mid := n / 2
	c, err := KeyBetween(a, b)
	if err != nil {
		return nil, err
	}
	if out, err = appendKeysBetween(out, a, c, mid); err != nil {
		return nil, err
	}
	return appendKeysBetween(append(out, c), c, b, n-mid-1)
}

func reverse(s []string) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// checkBounds validates the bounds of KeyBetween and NKeysBetween.
func checkBounds(a, b string) error {
	for _, k := range []string{a, b} {
		if k == "" {
			continue
		}
		if err := validateKey(k); err != nil {
			return err
		}
	}
	if a != "" && b != "" && a >= b {
		return fmt.Errorf("%w: %q >= %q", ErrInvalidOrderKey, a, b)
	}
	return nil
}

// validateKey reports whether k is a fractional-index key.
func validateKey(k string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q: %s", ErrInvalidOrderKey, k, why) }
	if k == "" {
		return bad("empty")
	}
	n, ok := integerLength(k[0])
	switch {
	case !ok:
		return bad("head is not a letter")
	case len(k) < n:
		return bad("shorter than its integer part")
	case k == smallestInteger:
		return bad("reserved smallest integer")
	case k[len(k)-1] == '0' && len(k) > n:
		return bad("fraction ends in 0")
	}
	for i := 1; i < len(k); i++ {
		if digitValue(k[i]) < 0 {
			return bad("not a base-62 digit")
		}
	}
	return nil
}

// integerLength is the length of an integer part (head included) that
// starts with head.
func integerLength(head byte) (int, bool) {
	switch {
	case head >= 'a' && head <= 'z':
		return int(head-'a') + 2, true
	case head >= 'A' && head <= 'Z':
		return int('Z'-head) + 2, true
	}
	return 0, false
}

// digitValue is c's base-62 value, or -1 if c is not a digit.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// splitKey splits a valid key into its integer part and fraction.
func splitKey(k string) (integer, fraction string) {
	n, _ := integerLength(k[0])
	return k[:n], k[n:]
}

// keyBefore returns a key below the valid key b.
func keyBefore(b string) (string, error) {
	ib, fb := splitKey(b)
	if ib == smallestInteger {
		return ib + midpoint("", fb, false), nil
	}
	if fb != "" {
		return ib, nil
	}
	d, ok := decrementInteger(ib)
	if !ok {
		return "", fmt.Errorf("%w: no key below %q", ErrInvalidOrderKey, b)
	}
	if d == smallestInteger {
		// rocicorp returns the reserved integer itself here, which is not a
		// key; any fraction after it is, and still sorts below b.
		return d + midpoint("", "", true), nil
	}
	return d, nil
}

// keyAfter returns a key above the valid key a.
func keyAfter(a string) string {
	ia, fa := splitKey(a)
	if i, ok := incrementInteger(ia); ok {
		return i
	}
	return ia + midpoint(fa, "", true)
}

// midpoint returns a digit string strictly between the fractions a and b
// (b unbounded when open), with no trailing '0'. a may be empty; a < b
// when b is bounded, and neither ends in '0'.
func midpoint(a, b string, open bool) string {
	if !open {
		n := 0
		for n < len(b) && digitAt(a, n) == b[n] {
			n++
		}
		if n > 0 {
			return b[:n] + midpoint(tail(a, n), b[n:], false)
		}
	}
	da, db := 0, len(digits62)
	if a != "" {
		da = digitValue(a[0])
	}
	if !open {
		db = digitValue(b[0])
	}
	if db-da > 1 {
		return digits62[(da+db+1)/2 : (da+db+1)/2+1]
	}
	if !open && len(b) > 1 {
		return b[:1]
	}
	return digits62[da:da+1] + midpoint(tail(a, 1), "", true)
}

// digitAt is s[i], or '0' past the end of s.
func digitAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return '0'
}

// tail is s[n:], or "" when s is shorter than n.
func tail(s string, n int) string {
	if n >= len(s) {
		return ""
	}
	return s[n:]
}

// incrementInteger returns the integer part after x, false after "z…z".
func incrementInteger(x string) (string, bool) {
	head, digs := x[0], []byte(x[1:])
	for i := len(digs) - 1; i >= 0; i-- {
		if d := digitValue(digs[i]) + 1; d < len(digits62) {
			digs[i] = digits62[d]
			return string(head) + string(digs), true
		}
		digs[i] = '0'
	}
	switch head {
	case 'Z':
		return "a0", true
	case 'z':
		return "", false
	}
	head++
	if head > 'a' {
		digs = append(digs, '0')
	} else {
		digs = digs[:len(digs)-1]
	}
	return string(head) + string(digs), true
}

// decrementInteger returns the integer part before x, false before
// "A0…0".
func decrementInteger(x string) (string, bool) {
	head, digs := x[0], []byte(x[1:])
	for i := len(digs) - 1; i >= 0; i-- {
		if d := digitValue(digs[i]) - 1; d >= 0 {
			digs[i] = digits62[d]
			return string(head) + string(digs), true
		}
		digs[i] = 'z'
	}
	switch head {
	case 'a':
		return "Zz", true
	case 'A':
		return "", false
	}
	head--
	if head < 'Z' {
		digs = append(digs, 'z')
	} else {
		digs = digs[:len(digs)-1]
	}
	return string(head) + string(digs), true
}

// isOrderKey reports whether s is a fractional-index key.
func isOrderKey(s string) bool {
	return validateKey(s) == nil
}
