package review

import (
	"fmt"
	"math"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on input. Strings are counted in characters (runes).
const (
	MaxTitle     = 200     // session and task titles
	MaxName      = 200     // user names, assignees, builds, node ids
	MaxText      = 4000    // annotation text
	MaxNodes     = 64      // node ids on an annotation or task
	MaxLinks     = 256     // annotations linked to a task in one call
	MaxMediaTime = 1e8     // seconds, a little over three years
	MaxPosition  = 1e9     // largest camera coordinate
	MaxFrameSide = 16384   // largest frame image width or height, in pixels
	maxTick      = 1 << 53 // ticks stay exact in JSON numbers
)

// invalid returns an ErrInvalid error saying what is wrong with field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// checkName checks a one-line name (user, assignee, build, node id): valid
// UTF-8 without control characters, at most MaxName characters, and not
// empty when required.
func checkName(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid(field, "is empty")
		}
		return nil
	}
	return checkString(field, s, MaxName, false)
}

// checkString checks free text: valid UTF-8, at most max characters, no
// control characters (but tabs and line breaks when multiline allows
// them). PostgreSQL text refuses NUL, so nothing may hold one.
func checkString(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "has %d characters, the limit is %d", n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return invalid(field, "holds control character %U", r)
		}
	}
	return nil
}

// checkUser checks the name of the user acting.
func checkUser(user string) error { return checkName("user", user, true) }

// checkNodes checks a list of node ids.
func checkNodes(field string, nodes []string) error {
	if len(nodes) > MaxNodes {
		return invalid(field, "has %d node ids, the limit is %d", len(nodes), MaxNodes)
	}
	for i, n := range nodes {
		if err := checkName(fmt.Sprintf("%s[%d]", field, i), n, true); err != nil {
			return err
		}
	}
	return nil
}

// checkMediaTime checks a media time in seconds.
func checkMediaTime(field string, t float64) error {
	if math.IsNaN(t) || math.IsInf(t, 0) || t < 0 || t > MaxMediaTime {
		return invalid(field, "%v is not a time between 0 and %g seconds", t, float64(MaxMediaTime))
	}
	return nil
}

// duration converts a checked media time in seconds to a duration, to the
// microsecond.
func duration(seconds float64) time.Duration {
	return time.Duration(math.Round(seconds*1e6)) * time.Microsecond
}

// seconds converts a duration to seconds, to the microsecond.
func seconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1e6 }

// finite reports whether every value is a finite number.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
