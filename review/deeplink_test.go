package review_test

import (
	"math"
	"testing"

	"atelier/review"
)

// TestDeepLink checks deep links against what the web app's worldPath
// makes for the same view (web/src/deeplink.test.ts has the first case).
func TestDeepLink(t *testing.T) {
	cam := func(vs ...float64) *review.Camera {
		return &review.Camera{P: [3]float64{vs[0], vs[1], vs[2]}, Q: [4]float64{vs[3], vs[4], vs[5], vs[6]}}
	}
	negZero := math.Copysign(0, -1)
	tests := []struct {
		name  string
		world string
		cam   *review.Camera
		node  string
		want  string
	}{
		{"worldPath's test", "w-1", cam(1.23456789, negZero, 3, 0, 0.7071068, 0, 0.7071068), "n 1",
			"/worlds/w-1?camera=1.2346,0,3,0,0.7071,0,0.7071&select=n+1"},
		{"no view", "w", nil, "", "/worlds/w"},
		{"selection only", "w", nil, "6f1c", "/worlds/w?select=6f1c"},
		{"camera only", "w", cam(0, 0, 0, 0, 0, 0, 1), "", "/worlds/w?camera=0,0,0,0,0,0,1"},
		{"halves round up, like Math.round", "w", cam(0.00005, -0.00005, -0.00015, 1.99995, -2.5, 1e-9, 123456.78905), "",
			"/worlds/w?camera=0.0001,0,-0.0001,2,-2.5,0,123456.7891"},
		{"escaped world and node", "a b/ü?#", nil, "n&m=ü *-._~'()!",
			"/worlds/a%20b%2F%C3%BC%3F%23?select=n%26m%3D%C3%BC+*-._%7E%27%28%29%21"},
		{"encodeURIComponent's unreserved marks", "it's-(a)_!*~.", nil, "", "/worlds/it's-(a)_!*~."},
		{"uuid world", "0b6c3c7e-5d0a-4b8e-9a53-52a1c1f1a001", cam(-12.5, 3.25, 1e6, 0.5, 0.5, 0.5, 0.5), "node-1",
			"/worlds/0b6c3c7e-5d0a-4b8e-9a53-52a1c1f1a001?camera=-12.5,3.25,1000000,0.5,0.5,0.5,0.5&select=node-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := review.DeepLink(storeWorld(tc.world), tc.cam, tc.node); got != tc.want {
				t.Fatalf("DeepLink =\n %s\nwant\n %s", got, tc.want)
			}
		})
	}
}
