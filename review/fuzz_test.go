package review

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzAnnotationInput decodes JSON as the server would and checks it:
// what check accepts is in range and encodes back to JSON.
func FuzzAnnotationInput(f *testing.F) {
	f.Add([]byte(`{"shapes":[{"kind":"arrow","points":[[0.1,0.2],[1,0]]}],"colour":"#A0b0C0","camera":{"p":[1,2,3],"q":[0,0,0,2]}}`))
	f.Add([]byte(`{"shapes":[{"kind":"text","points":[[0.5,0.5]]}],"text":"hi","colour":"#000000","mediaTime":1.5,"rtpTimestamp":9}`))
	f.Add([]byte(`{"shapes":[{"kind":"freehand","points":[[0,0],[1,1],[0.5,0.25]]}],"colour":"#ffffff","nodes":["a"],"task":{"title":"t"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in AnnotationInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		out, err := in.check(64)
		if err != nil {
			return
		}
		for _, sh := range out.Shapes {
			for _, p := range sh.Points {
				if !(p[0] >= 0 && p[0] <= 1 && p[1] >= 0 && p[1] <= 1) {
					t.Fatalf("accepted point %v", p)
				}
			}
		}
		if out.Camera != nil {
			q := out.Camera.Q
			if n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3]); math.Abs(n-1) > 1e-9 {
				t.Fatalf("accepted camera %+v has |q| = %v", out.Camera, n)
			}
		}
		if !colourRE.MatchString(out.Colour) || out.Colour != lower(out.Colour) {
			t.Fatalf("accepted colour %q", out.Colour)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("accepted input does not encode: %v", err)
		}
	})
}

// FuzzCheckFrame checks arbitrary bytes as a frame image: no panic, and
// only PNG or JPEG accepted.
func FuzzCheckFrame(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := checkFrame(data, 1<<20)
		if err == nil && ct != "image/png" && ct != "image/jpeg" {
			t.Fatalf("accepted %q", ct)
		}
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
