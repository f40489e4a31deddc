package review

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig reads JPEG frames
	_ "image/png"  // and PNG frames
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"

	"atelier/store"
)

// ShapeKind is what an annotation draws.
type ShapeKind string

// Shape kinds and the points each takes.
const (
	// ShapeFreehand is a stroke through 2 to Config.MaxPoints points.
	ShapeFreehand ShapeKind = "freehand"
	// ShapeArrow points from its first point to its second.
	ShapeArrow ShapeKind = "arrow"
	// ShapeRect is the rectangle with opposite corners at its two points.
	ShapeRect ShapeKind = "rect"
	// ShapeEllipse is the ellipse inscribed in the rectangle with opposite
	// corners at its two points.
	ShapeEllipse ShapeKind = "ellipse"
	// ShapeText is the annotation's text anchored at its one point.
	ShapeText ShapeKind = "text"
)

// MaxShapes is the most shapes one annotation draws.
const MaxShapes = 64

// Point is a position on the frame: x from left (0) to right (1), y from
// top (0) to bottom (1).
type Point [2]float64

// Shape is what an annotation draws on the frame, in normalized
// coordinates.
type Shape struct {
	Kind   ShapeKind `json:"kind"`
	Points []Point   `json:"points"`
}

// Camera is a viewpoint in the world: position P and unit quaternion Q
// (x, y, z, w), as the editor's deep links give them.
type Camera struct {
	P [3]float64 `json:"p"`
	Q [4]float64 `json:"q"`
}

// AnnotationInput is a new annotation.
type AnnotationInput struct {
	Shapes []Shape `json:"shapes"`
	Text   string  `json:"text,omitempty"`
	Colour string  `json:"colour"` // #rrggbb
	// MediaTime (seconds) and RTPTimestamp identify the frame; either left
	// out is the paused frame's (ErrInvalid when playback is not paused).
	MediaTime    *float64 `json:"mediaTime,omitempty"`
	RTPTimestamp *uint32  `json:"rtpTimestamp,omitempty"`
	// World defaults to the session's, and must be it when the session
	// has one; Build defaults to the session's.
	World  store.WorldID `json:"world,omitempty"`
	Build  string        `json:"build,omitempty"`
	Tick   int64         `json:"tick,omitempty"`
	Camera *Camera       `json:"camera,omitempty"`
	Nodes  []string      `json:"nodes,omitempty"`
	// Frame is the captured frame, PNG or JPEG (base64 in JSON); it may be
	// uploaded later with UploadFrame instead.
	Frame []byte `json:"frame,omitempty"`
	// Task, if set, is a task the annotation raises; AttachTo, if set, an
	// existing task of the session it is linked to. Not both.
	Task     *TaskInput `json:"task,omitempty"`
	AttachTo TaskID     `json:"attachTo,omitempty"`
}

// Annotation is a note on a frame of a session.
type Annotation struct {
	ID           AnnotationID  `json:"id"`
	Session      SessionID     `json:"session"`
	Author       string        `json:"author"`
	CreatedAt    time.Time     `json:"createdAt"`
	MediaTime    float64       `json:"mediaTime"`
	RTPTimestamp uint32        `json:"rtpTimestamp"`
	Shapes       []Shape       `json:"shapes"`
	Text         string        `json:"text,omitempty"`
	Colour       string        `json:"colour"`
	World        store.WorldID `json:"world,omitempty"`
	Build        string        `json:"build,omitempty"`
	Tick         int64         `json:"tick,omitempty"`
	Camera       *Camera       `json:"camera,omitempty"`
	Nodes        []string      `json:"nodes,omitempty"`
	// FrameType is the frame image's content type, "" while there is none.
	FrameType string   `json:"frameType,omitempty"`
	Tasks     []TaskID `json:"tasks,omitempty"`
	// DeepLink opens the editor at the annotation's camera with its first
	// node selected; "" without a world.
	DeepLink string `json:"deepLink,omitempty"`
}

// Frame is an annotation's frame image.
type Frame struct {
	ContentType string
	Data        []byte
}

var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// check validates in's own fields, before anything is read or written,
// and returns it normalized (lowercase colour, unit quaternion).
func (in AnnotationInput) check(maxPoints int) (AnnotationInput, error) {
	if n := len(in.Shapes); n < 1 || n > MaxShapes {
		return in, invalid("shapes", "an annotation draws 1 to %d shapes, not %d", MaxShapes, n)
	}
	for i, sh := range in.Shapes {
		if err := sh.check(maxPoints, in.Text != ""); err != nil {
			return in, fmt.Errorf("shapes[%d]: %w", i, err)
		}
	}
	if !colourRE.MatchString(in.Colour) {
		return in, invalid("colour", "%q is not #rrggbb", in.Colour)
	}
	in.Colour = strings.ToLower(in.Colour)
	if err := checkString("text", in.Text, MaxText, true); err != nil {
		return in, err
	}
	if in.MediaTime != nil {
		if err := checkMediaTime("mediaTime", *in.MediaTime); err != nil {
			return in, err
		}
	}
	if in.Tick < 0 || in.Tick > maxTick {
		return in, invalid("tick", "%d is out of range", in.Tick)
	}
	if in.Task != nil && in.AttachTo != "" {
		return in, invalid("task", "both a new task and attachTo %s", in.AttachTo)
	}
	if in.Camera != nil {
		cam, err := in.Camera.normalized()
		if err != nil {
			return in, err
		}
		in.Camera = &cam
	}
	if err := checkName("world", string(in.World), false); err != nil {
		return in, err
	}
	if err := checkName("build", in.Build, false); err != nil {
		return in, err
	}
	return in, checkNodes("nodes", in.Nodes)
}

// check validates a shape: its kind, its number of points, each point in
// 0–1. A text shape needs text.
func (sh Shape) check(maxPoints int, hasText bool) error {
	lo, hi := 2, 2
	switch sh.Kind {
	case ShapeFreehand:
		hi = maxPoints
	case ShapeArrow, ShapeRect, ShapeEllipse:
	case ShapeText:
		lo, hi = 1, 1
		if !hasText {
			return invalid("text", "a text shape needs text")
		}
	default:
		return invalid("shape.kind", "%q is not freehand, arrow, rect, ellipse or text", sh.Kind)
	}
	if n := len(sh.Points); n < lo || n > hi {
		return invalid("shape.points", "a %s takes %d to %d points, not %d", sh.Kind, lo, hi, n)
	}
	for i, p := range sh.Points {
		if !finite(p[:]...) || p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1 {
			return invalid(fmt.Sprintf("shape.points[%d]", i), "%v is not within 0–1", p)
		}
	}
	return nil
}

// normalized checks a camera and returns it with a unit quaternion.
func (c Camera) normalized() (Camera, error) {
	if !finite(c.P[:]...) || !finite(c.Q[:]...) {
		return c, invalid("camera", "not all finite numbers")
	}
	for _, v := range c.P {
		if math.Abs(v) > MaxPosition {
			return c, invalid("camera.p", "%g is beyond %g", v, float64(MaxPosition))
		}
	}
	n := math.Sqrt(c.Q[0]*c.Q[0] + c.Q[1]*c.Q[1] + c.Q[2]*c.Q[2] + c.Q[3]*c.Q[3])
	if n < 1e-6 || math.IsInf(n, 0) {
		return c, invalid("camera.q", "%v is not a rotation", c.Q)
	}
	for i := range c.Q {
		c.Q[i] /= n
	}
	return c, nil
}

// checkFrame checks a frame image: at most max bytes (ErrTooLarge), and a
// PNG or JPEG, by its content and by its header decoding, no larger than
// MaxFrameSide on a side (ErrInvalid). It returns the content type.
func checkFrame(data []byte, max int) (string, error) {
	if len(data) > max {
		return "", fmt.Errorf("%w: frame of %d bytes, the limit is %d", ErrTooLarge, len(data), max)
	}
	ct := http.DetectContentType(data)
	if ct != "image/png" && ct != "image/jpeg" {
		return "", invalid("frame", "content is %s, want image/png or image/jpeg", ct)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != ct {
		return "", invalid("frame", "not a readable %s (%v)", ct, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxFrameSide || cfg.Height > MaxFrameSide {
		return "", invalid("frame", "%d×%d pixels, each side must be 1 to %d", cfg.Width, cfg.Height, MaxFrameSide)
	}
	return ct, nil
}

// pose returns a camera as the store keeps it.
func (c *Camera) pose() []float64 {
	if c == nil {
		return nil
	}
	return []float64{c.P[0], c.P[1], c.P[2], c.Q[0], c.Q[1], c.Q[2], c.Q[3]}
}

// cameraOf returns the camera of a stored pose.
func cameraOf(p []float64) *Camera {
	if len(p) != 7 {
		return nil
	}
	return &Camera{P: [3]float64{p[0], p[1], p[2]}, Q: [4]float64{p[3], p[4], p[5], p[6]}}
}
