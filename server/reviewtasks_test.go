package server_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"atelier/review"
	"atelier/server/auth"
	"atelier/store"
)

// A caller with roles in some worlds lists the sessions and tasks about
// those worlds, and no others (not those without a world); a caller with
// a role in every world lists them all.
func TestListsFollowWorldAccess(t *testing.T) { bothStores(t, testListsFollowWorldAccess) }

func testListsFollowWorldAccess(t *testing.T, open opener) {
	rs := startReviewServer(t, open)
	ana, _ := rs.auth.Issue("ana", nil, auth.RoleEditor, time.Hour)
	harbor, dunes := rs.createWorld(t, ana, "Harbor"), rs.createWorld(t, ana, "Dunes")
	session := func(title, world string) string {
		var s sessionResp
		body := map[string]string{"title": title}
		if world != "" {
			body["world"] = world
		}
		rs.call(t, http.MethodPost, "/api/reviews", ana, body, &s, http.StatusCreated)
		var task review.Task
		rs.call(t, http.MethodPost, "/api/tasks", ana, map[string]any{"session": s.ID, "title": "fix " + title}, &task, http.StatusCreated)
		return s.ID
	}
	onHarbor, onDunes, onNothing := session("harbor pass", harbor.ID), session("dunes pass", dunes.ID), session("menus", "")

	lists := func(token, query string) (sessions, tasks []string) {
		var rl struct{ Reviews []sessionResp }
		rs.call(t, http.MethodGet, "/api/reviews"+query, token, nil, &rl, http.StatusOK)
		for _, s := range rl.Reviews {
			sessions = append(sessions, s.ID)
		}
		var tl struct{ Tasks []review.Task }
		rs.call(t, http.MethodGet, "/api/tasks"+query, token, nil, &tl, http.StatusOK)
		for _, task := range tl.Tasks {
			tasks = append(tasks, string(task.Session))
		}
		slices.Sort(sessions)
		slices.Sort(tasks)
		return sessions, tasks
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	check := func(who, token string, want []string) {
		t.Helper()
		sessions, tasks := lists(token, "")
		if !slices.Equal(sessions, want) || !slices.Equal(tasks, want) {
			t.Errorf("%s lists sessions %v and tasks of %v, want %v for both", who, sessions, tasks, want)
		}
	}
	hal, _ := rs.auth.Issue("hal", map[store.WorldID]auth.Role{store.WorldID(harbor.ID): auth.RoleViewer}, auth.RoleNone, time.Hour)
	both, _ := rs.auth.Issue("bo", map[store.WorldID]auth.Role{store.WorldID(harbor.ID): auth.RoleReviewer, store.WorldID(dunes.ID): auth.RoleViewer}, auth.RoleNone, time.Hour)
	vic, _ := rs.auth.Issue("vic", nil, auth.RoleViewer, time.Hour)
	check("hal (Harbor only)", hal, []string{onHarbor})
	check("bo (Harbor and Dunes)", both, sorted(onHarbor, onDunes))
	check("vic (every world)", vic, sorted(onHarbor, onDunes, onNothing))
	// A token with no role at all sees nothing rather than everything.
	nobody, err := rs.auth.Issue("nobody", nil, auth.RoleNone, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	check("nobody (no world)", nobody, nil)

	// A filter narrows what the caller may see; it never widens it.
	if _, tasks := lists(hal, "?session="+onDunes); len(tasks) != 0 {
		t.Errorf("hal lists the tasks of a Dunes session: %v", tasks)
	}
	if _, tasks := lists(both, "?world="+dunes.ID); !slices.Equal(tasks, []string{onDunes}) {
		t.Errorf("bo's Dunes tasks: %v", tasks)
	}
	// The page limit counts only what the caller may see: hal's one Harbor
	// session is listed though two newer ones are not his. (The store
	// selects them: the conformance suite's "one world, limited".)
	if sessions, _ := lists(hal, "?limit=1"); !slices.Equal(sessions, []string{onHarbor}) {
		t.Errorf("hal's first page: %v", sessions)
	}
}
