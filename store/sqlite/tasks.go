package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateTask implements store.Store.
func (s *Store) CreateTask(ctx context.Context, t store.Task, events ...store.ReviewEvent) error {
	events, err := checkTask(t, true, events)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := insertTask(ctx, tx, t); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
	return reviewWriteErr("create task "+string(t.ID), err)
}

// UpdateTask implements store.Store.
func (s *Store) UpdateTask(ctx context.Context, t store.Task, events ...store.ReviewEvent) error {
	events, err := checkTask(t, false, events)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := updateTask(ctx, tx, t); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
	return reviewWriteErr("update task "+string(t.ID), err)
}

// GetTask implements store.Store.
func (s *Store) GetTask(ctx context.Context, id store.TaskID) (store.Task, error) {
	t, err := scanTask(s.r.QueryRowContext(ctx, sqlstore.SelectTask, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("task %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("task %s: %w", id, err)
	}
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectTaskLinks, id)
	if err != nil {
		return t, fmt.Errorf("task %s links: %w", id, err)
	}
	links, err := collect(rows, 0, scanTaskLink)
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
	rows, err := s.r.QueryContext(ctx, tasksQuery, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	tasks, err := collect(rows, 0, func(r *sql.Rows) (store.Task, error) { return scanTask(r) })
	if err != nil || len(tasks) == 0 {
		return tasks, err
	}
	if rows, err = s.r.QueryContext(ctx, linksQuery, args...); err != nil {
		return nil, fmt.Errorf("list tasks: links: %w", err)
	}
	links, err := collect(rows, 0, scanTaskLink)
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

// insertTask inserts a task row and its links.
func insertTask(ctx context.Context, tx *sql.Tx, t store.Task) error {
	_, err := tx.ExecContext(ctx, sqlstore.InsertTask, t.ID, t.Review, t.Title, t.Status, t.Assignee, t.Priority,
		sqlstore.NullWorld(t.World), sqlstore.EncodeNodes(t.Nodes), t.CreatedAt.UnixMicro(), t.CreatedBy,
		t.UpdatedAt.UnixMicro(), t.UpdatedBy, t.Version)
	if err != nil {
		return err
	}
	return insertLinks(ctx, tx, t)
}

// updateTask updates a task row if its version is the one before t's, and
// adds its new links.
func updateTask(ctx context.Context, tx *sql.Tx, t store.Task) error {
	res, err := tx.ExecContext(ctx, sqlstore.UpdateTask, t.ID, t.Title, t.Status, t.Assignee, t.Priority,
		sqlstore.NullWorld(t.World), sqlstore.EncodeNodes(t.Nodes), t.UpdatedAt.UnixMicro(), t.UpdatedBy,
		t.Version, t.Review)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return staleVersion(ctx, tx, sqlstore.SelectTaskVersion, t.Version, t.ID, t.Review)
	}
	return insertLinks(ctx, tx, t)
}

func insertLinks(ctx context.Context, tx *sql.Tx, t store.Task) error {
	for _, a := range t.Annotations {
		if _, err := tx.ExecContext(ctx, sqlstore.InsertTaskLink, t.ID, a, t.Review); err != nil {
			return err
		}
	}
	return nil
}

// scanTask scans a task row with this backend's timestamp targets.
func scanTask(r sqlstore.Scanner) (store.Task, error) {
	var t store.Task
	err := sqlstore.ScanTask(r, &t, micros{&t.CreatedAt}, micros{&t.UpdatedAt})
	return t, err
}

func scanTaskLink(r *sql.Rows) (sqlstore.TaskLink, error) { return sqlstore.ScanTaskLink(r) }
