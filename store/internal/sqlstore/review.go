package sqlstore

import (
	"fmt"
	"strings"

	"atelier/store"
)

// Column lists of the review tables, in the order the Scan functions
// expect them. A NULL world reads as "".
const (
	reviewCols = `id, title, world_id, build, created_at, created_by,
		version, paused, live, media_time, rtp_timestamp, driver, members, state_at, state_by`
	selectReviewCols = `id, title, COALESCE(world_id, ''), build, created_at, created_by,
		version, paused, live, media_time, rtp_timestamp, driver, members, state_at, state_by`
	eventCols      = `review_id, kind, user_name, at, media_time, detail`
	annotationCols = `id, review_id, author, created_at, media_time, rtp_timestamp,
		shape, text, colour, world_id, build, tick, camera, nodes`
	selectAnnotationCols = `a.id, a.review_id, a.author, a.created_at, a.media_time, a.rtp_timestamp,
		a.shape, a.text, a.colour, COALESCE(a.world_id, ''), a.build, a.tick, a.camera, a.nodes,
		COALESCE(f.content_type, '')`
	taskCols = `id, review_id, title, status, assignee, priority, world_id, nodes,
		created_at, created_by, updated_at, updated_by, version`
	selectTaskCols = `id, review_id, title, status, assignee, priority, COALESCE(world_id, ''), nodes,
		created_at, created_by, updated_at, updated_by, version`
)

// Review statements identical in both dialects. Durations (media times)
// are bigint microseconds in both.
const (
	// InsertReview inserts a review row with its initial state.
	InsertReview = `INSERT INTO reviews (` + reviewCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
	// SelectReview reads one review row by id.
	SelectReview = `SELECT ` + selectReviewCols + ` FROM reviews WHERE id = $1`
	// UpdateReviewState replaces review $1's state if its stored version is
	// $2 - 1: $2 version, $3 paused, $4 live, $5 media time, $6 RTP
	// timestamp, $7 driver, $8 members, $9 time, $10 user.
	UpdateReviewState = `UPDATE reviews SET version = $2, paused = $3, live = $4, media_time = $5,
		rtp_timestamp = $6, driver = $7, members = $8, state_at = $9, state_by = $10
		WHERE id = $1 AND version = $2 - 1`
	// SelectReviewVersion reads a review's state version, telling a stale
	// update from an unknown review.
	SelectReviewVersion = `SELECT version FROM reviews WHERE id = $1`

	// InsertReviewEvent appends an event; the database assigns its id.
	InsertReviewEvent = `INSERT INTO review_events (` + eventCols + `) VALUES ($1, $2, $3, $4, $5, $6)`
	// SelectReviewEvents reads a review's event log, oldest first.
	SelectReviewEvents = `SELECT id, ` + eventCols + ` FROM review_events WHERE review_id = $1 ORDER BY id`

	// InsertAnnotation inserts an annotation row.
	InsertAnnotation = `INSERT INTO annotations (` + annotationCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`
	// SelectAnnotation reads one annotation with its frame's content type.
	SelectAnnotation = `SELECT ` + selectAnnotationCols + ` FROM annotations a
		LEFT JOIN annotation_frames f ON f.annotation_id = a.id WHERE a.id = $1`
	// SelectAnnotations reads a review's annotations along the timeline,
	// through annotations_review_media.
	SelectAnnotations = `SELECT ` + selectAnnotationCols + ` FROM annotations a
		LEFT JOIN annotation_frames f ON f.annotation_id = a.id
		WHERE a.review_id = $1 ORDER BY a.media_time, a.created_at, a.id`

	// InsertFrame stores an annotation's frame image.
	InsertFrame = `INSERT INTO annotation_frames (annotation_id, content_type, data, created_at)
		VALUES ($1, $2, $3, $4)`
	// SelectFrame reads an annotation's frame image.
	SelectFrame = `SELECT content_type, data, created_at FROM annotation_frames WHERE annotation_id = $1`

	// InsertTask inserts a task row.
	InsertTask = `INSERT INTO tasks (` + taskCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	// UpdateTask replaces task $1's fields if it is of review $11 and its
	// stored version is $10 - 1.
	UpdateTask = `UPDATE tasks SET title = $2, status = $3, assignee = $4, priority = $5,
		world_id = $6, nodes = $7, updated_at = $8, updated_by = $9, version = $10
		WHERE id = $1 AND version = $10 - 1 AND review_id = $11`
	// SelectTaskVersion reads the version of task $1 of review $2, telling
	// a stale update from an unknown task.
	SelectTaskVersion = `SELECT version FROM tasks WHERE id = $1 AND review_id = $2`
	// SelectTask reads one task row by id.
	SelectTask = `SELECT ` + selectTaskCols + ` FROM tasks WHERE id = $1`
	// InsertTaskLink links annotation $2 of review $3 to task $1 after its
	// other links, unless it is linked already. The foreign keys refuse an
	// annotation or a task of another review.
	InsertTaskLink = `INSERT INTO task_annotations (task_id, annotation_id, review_id, position)
		SELECT $1, $2, $3, COALESCE(MAX(position) + 1, 0) FROM task_annotations WHERE task_id = $1
		ON CONFLICT (task_id, annotation_id) DO NOTHING`
	// SelectTaskLinks reads one task's links in the order they were made.
	SelectTaskLinks = `SELECT task_id, annotation_id FROM task_annotations
		WHERE task_id = $1 ORDER BY position`
)

// ReviewsQuery returns the query that lists the reviews f selects, newest
// first, and its arguments.
func ReviewsQuery(f store.ReviewFilter) (string, []any) {
	var args []any
	where := ""
	if f.Scope.Limited {
		where = " WHERE " + inScope(f.Scope, &args)
	}
	args = append(args, f.Limit)
	return fmt.Sprintf(`SELECT %s FROM reviews%s ORDER BY created_at DESC, id LIMIT $%d`, selectReviewCols, where, len(args)), args
}

// inScope returns the condition "world_id is one of the scope's worlds"
// (false for none), adding them to args. A NULL world_id (no world) is
// never one of them.
func inScope(s store.WorldScope, args *[]any) string {
	if len(s.Worlds) == 0 {
		return "1 = 0"
	}
	marks := make([]string, len(s.Worlds))
	for i, w := range s.Worlds {
		*args = append(*args, string(w))
		marks[i] = fmt.Sprintf("$%d", len(*args))
	}
	return "world_id IN (" + strings.Join(marks, ", ") + ")"
}

// TaskQueries returns the queries that list the tasks f selects, oldest
// first, and their links, each task's in the order they were made, with
// the arguments both take.
func TaskQueries(f store.TaskFilter) (tasks, links string, args []any) {
	var conds []string
	add := func(col, v string) {
		if v != "" {
			args = append(args, v)
			conds = append(conds, fmt.Sprintf("%s = $%d", col, len(args)))
		}
	}
	add("review_id", string(f.Review))
	add("world_id", string(f.World))
	add("status", f.Status)
	add("assignee", f.Assignee)
	if f.Scope.Limited {
		conds = append(conds, "review_id IN (SELECT id FROM reviews WHERE "+inScope(f.Scope, &args)+")")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	tasks = `SELECT ` + selectTaskCols + ` FROM tasks` + where + ` ORDER BY created_at, id`
	links = `SELECT task_id, annotation_id FROM task_annotations
		WHERE task_id IN (SELECT id FROM tasks` + where + `) ORDER BY task_id, position`
	return tasks, links, args
}
