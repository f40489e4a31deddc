package history

import (
	"fmt"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	many := make([]NodeTouch, 14)
	for i := range many {
		many[i] = NodeTouch{ID: fmt.Sprintf("id%02d", i), Name: fmt.Sprintf("N%d", i), Props: []string{"transform.t.0"}}
	}
	tests := []struct {
		name string
		in   Touch
		want string
	}{
		{"empty", Touch{}, "no changes"},
		{"other only", Touch{Other: []string{"schema"}}, "changed schema"},
		{"long list", Touch{Nodes: many}, "moved N0, N1 and 12 more"},
		{"three fit", Touch{Nodes: many[:3]}, "moved N0, N1, N2"},
		{"unnamed node", Touch{Nodes: []NodeTouch{{ID: "6f1c2a4e-9b1d-4c7e-8a2f-0d3b5e7f9a1c", Created: true}}}, "added 6f1c2a4e"},
		{"long name", Touch{Nodes: []NodeTouch{{ID: "x", Deleted: true, Name: strings.Repeat("é", 40)}}},
			"deleted " + strings.Repeat("é", 31) + "…"},
		{"many props", Touch{Nodes: []NodeTouch{{ID: "x", Name: "Lamp", Props: []string{"asset", "components.a", "components.b", "kind"}}}},
			"edited Lamp (asset, components.a and 2 more)"},
		{"created and deleted", Touch{Nodes: []NodeTouch{{ID: "x", Name: "Tmp", Created: true, Deleted: true}}},
			"added Tmp; deleted Tmp"},
		{"name written, unchanged", Touch{Nodes: []NodeTouch{{ID: "x", Name: "Lamp", Props: []string{"name"}}}},
			"edited Lamp (name)"},
		{"rename and move", Touch{Nodes: []NodeTouch{{ID: "x", Name: "B", OldName: "A", Props: []string{"name", "parent"}}}},
			"moved B; renamed A → B"},
		{"all clauses", Touch{
			Nodes: []NodeTouch{
				{ID: "1", Name: "Crate", Created: true},
				{ID: "2", Name: "Barrel", Props: []string{"order"}},
				{ID: "3", Name: "Street Lamp", OldName: "Lamp", Props: []string{"components.light.intensity", "name"}},
				{ID: "4", Name: "Fence", Deleted: true, Props: []string{"kind"}},
			},
			Other: []string{"nodes", "schema"},
		}, "added Crate; moved Barrel; renamed Lamp → Street Lamp; deleted Fence; " +
			"edited Street Lamp (components.light.intensity); changed nodes, schema"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summary(tc.in); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
