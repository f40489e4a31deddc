package review

import (
	"math"
	"strconv"
	"strings"

	"atelier/store"
)

// DeepLink returns the editor's address of a world viewed from cam (nil
// for the editor's own view) with node selected ("" for none):
//
//	/worlds/{world}?camera=px,py,pz,qx,qy,qz,qw&select=NODE
//
// It is byte for byte what the web app's worldPath (web/src/deeplink.ts)
// makes, which its parseRoute reads: the world id escaped as
// encodeURIComponent does, the query as URLSearchParams writes it (with
// commas left as they are), each number rounded to 4 decimals and written
// as JavaScript's String() does.
func DeepLink(world store.WorldID, cam *Camera, node string) string {
	var q []string
	if cam != nil {
		vals := append(cam.P[:], cam.Q[:]...)
		nums := make([]string, len(vals))
		for i, v := range vals {
			nums[i] = jsShort(v)
		}
		q = append(q, "camera="+strings.ReplaceAll(formEscape(strings.Join(nums, ",")), "%2C", ","))
	}
	if node != "" {
		q = append(q, "select="+formEscape(node))
	}
	path := "/worlds/" + uriComponent(string(world))
	if len(q) == 0 {
		return path
	}
	return path + "?" + strings.Join(q, "&")
}

// jsShort is deeplink.ts's short(): Math.round(x * 1e4) / 1e4, then
// String(), with -0 written as 0. Math.round takes halves up (towards +∞).
func jsShort(x float64) string {
	v := x * 1e4
	r := math.Floor(v)
	if v-r >= 0.5 {
		r++
	}
	r /= 1e4
	if r == 0 {
		return "0"
	}
	if math.Abs(r) >= 1e21 {
		return strconv.FormatFloat(r, 'e', -1, 64) // as JavaScript: 1e+21, 1.5e+22
	}
	return strconv.FormatFloat(r, 'f', -1, 64) // shortest digits that read back, as JavaScript
}

// uriComponent escapes s as JavaScript's encodeURIComponent: everything but
// A–Z a–z 0–9 - _ . ! ~ * ' ( ) as UTF-8 %XX.
func uriComponent(s string) string {
	return escape(s, func(c byte) bool { return strings.IndexByte("-_.!~*'()", c) >= 0 }, false)
}

// formEscape escapes s as URLSearchParams serializes a name or value
// (application/x-www-form-urlencoded): everything but A–Z a–z 0–9 * - . _
// as %XX, a space as "+".
func formEscape(s string) string {
	return escape(s, func(c byte) bool { return strings.IndexByte("*-._", c) >= 0 }, true)
}

func escape(s string, keep func(byte) bool, plus bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', keep(c):
			b.WriteByte(c)
		case c == ' ' && plus:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
