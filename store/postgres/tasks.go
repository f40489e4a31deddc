package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateTask implements store.Store: the task, its links and the events go
// to the server in one batch inside one transaction.
func (s *Store) CreateTask(ctx context.Context, t store.Task, events ...store.ReviewEvent) error {
	events, err := checkTask(t, true, events)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	queueInsertTask(b, t)
	queueEvents(b, events)
	return reviewWriteErr("create task "+string(t.ID), s.runBatch(ctx, b, -1))
}

// UpdateTask implements store.Store: the conditional update, the new
// links and the events go to the server in one batch inside one
// transaction. The update takes the task row's lock, so links are
// numbered by one writer at a time.
func (s *Store) UpdateTask(ctx context.Context, t store.Task, events ...store.ReviewEvent) error {
	events, err := checkTask(t, false, events)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	queueUpdateTask(b, t)
	queueEvents(b, events)
	err = s.runBatch(ctx, b, 0)
	if errors.Is(err, errStale) {
		err = s.staleVersion(ctx, sqlstore.SelectTaskVersion, t.Version, t.ID, t.Review)
	}
	return reviewWriteErr("update task "+string(t.ID), err)
}

// GetTask implements store.Store.
func (s *Store) GetTask(ctx context.Context, id store.TaskID) (store.Task, error) {
	t, err := scanTask(s.pool.QueryRow(ctx, sqlstore.SelectTask, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("task %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("task %s: %w", id, err)
	}
	rows, err := s.pool.Query(ctx, sqlstore.SelectTaskLinks, id)
	if err != nil {
		return t, fmt.Errorf("task %s links: %w", id, err)
	}
	links, err := collect(rows, 0, sqlstore.ScanTaskLink)
	if err != nil {
		return t, fmt.Errorf("task %s links: %w", id, err)
	}
	ts := []store.Task{t}
	sqlstore.AttachTaskLinks(ts, links)
	return ts[0], nil
}

// ListTasks implements store.Store. Links are read after tasks: those of a
// task created in between are ignored.
func (s *Store) ListTasks(ctx context.Context, f store.TaskFilter) ([]store.Task, error) {
	tasksQuery, linksQuery, args := sqlstore.TaskQueries(f)
	rows, err := s.pool.Query(ctx, tasksQuery, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	tasks, err := collect(rows, 0, scanTask)
	if err != nil || len(tasks) == 0 {
		return tasks, err
	}
	if rows, err = s.pool.Query(ctx, linksQuery, args...); err != nil {
		return nil, fmt.Errorf("list tasks: links: %w", err)
	}
	links, err := collect(rows, 0, sqlstore.ScanTaskLink)
	if err != nil {
		return nil, fmt.Errorf("list tasks: links: %w", err)
	}
	sqlstore.AttachTaskLinks(tasks, links)
	return tasks, nil
}

// checkTask checks a task write and fills in its events' Review.
func checkTask(t store.Task, create bool, events []store.ReviewEvent) ([]store.ReviewEvent, error) {
	if err := sqlstore.CheckTask(t, create); err != nil {
		return nil, err
	}
	return sqlstore.FillEvents(t.Review, events)
}

// queueInsertTask queues the inserts of a task row and its links.
func queueInsertTask(b *pgx.Batch, t store.Task) {
	b.Queue(sqlstore.InsertTask, t.ID, t.Review, t.Title, t.Status, t.Assignee, t.Priority,
		sqlstore.NullWorld(t.World), sqlstore.EncodeNodes(t.Nodes), t.CreatedAt, t.CreatedBy,
		t.UpdatedAt, t.UpdatedBy, t.Version)
	queueLinks(b, t)
}

// queueUpdateTask queues the conditional update of a task row (first) and
// the inserts of its new links.
func queueUpdateTask(b *pgx.Batch, t store.Task) {
	b.Queue(sqlstore.UpdateTask, t.ID, t.Title, t.Status, t.Assignee, t.Priority,
		sqlstore.NullWorld(t.World), sqlstore.EncodeNodes(t.Nodes), t.UpdatedAt, t.UpdatedBy,
		t.Version, t.Review)
	queueLinks(b, t)
}

func queueLinks(b *pgx.Batch, t store.Task) {
	for _, a := range t.Annotations {
		b.Queue(sqlstore.InsertTaskLink, t.ID, a, t.Review)
	}
}

// scanTask scans a task row.
func scanTask(r sqlstore.Scanner) (store.Task, error) {
	var t store.Task
	err := sqlstore.ScanTask(r, &t, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}
