package sqlstore

import (
	"fmt"

	"atelier/store"
)

// Scanner is the row method database/sql and pgx share.
type Scanner interface {
	Scan(dest ...any) error
}

// ScanWorld scans a row of SelectWorld, SelectWorlds or SelectBranches.
// createdAt and forkedAt are the backend's scan targets for the created_at
// and forked_at columns; they must fill w.CreatedAt and w.ForkedAt, the
// latter with the zero time when the column is NULL.
func ScanWorld(sc Scanner, w *store.World, createdAt, forkedAt any) error {
	err := sc.Scan(&w.ID, &w.Name, &w.Manifest, createdAt, &w.CreatedBy, &w.Parent, &w.Branch, forkedAt)
	if err != nil {
		return fmt.Errorf("scan world: %w", err)
	}
	w.CreatedAt = w.CreatedAt.UTC()
	w.ForkedAt = w.ForkedAt.UTC()
	return nil
}

// ScanLayer scans a row of SelectWorldLayers or SelectLayers.
func ScanLayer(sc Scanner) (store.Layer, error) {
	var l store.Layer
	if err := sc.Scan(&l.ID, &l.World, &l.Name, &l.Doc, &l.Position); err != nil {
		return l, fmt.Errorf("scan layer: %w", err)
	}
	return l, nil
}

// ScanDocument scans a row of SelectDocument.
func ScanDocument(sc Scanner) (store.Document, error) {
	var d store.Document
	if err := sc.Scan(&d.ID, &d.World, &d.Kind); err != nil {
		return d, fmt.Errorf("scan document: %w", err)
	}
	return d, nil
}

// ScanMeta scans a row of SelectChangeIndex.
func ScanMeta(sc Scanner) (store.ChangeMeta, error) {
	var (
		m          store.ChangeMeta
		hash, deps []byte
		seq        int64
	)
	if err := sc.Scan(&m.Ordinal, &hash, &deps, &m.Actor, &seq, &m.Size); err != nil {
		return m, fmt.Errorf("scan change index: %w", err)
	}
	m.Seq = uint64(seq)
	m.Actor = nilIfEmpty(m.Actor)
	return m, decodeHashPair(&m.Hash, &m.Deps, hash, deps)
}

// ScanChange scans a row of ChangeCols into c, a change of doc. receivedAt is
// the backend's scan target for received_at; it must fill c.ReceivedAt.
func ScanChange(sc Scanner, doc store.DocID, c *store.Change, receivedAt any) error {
	var (
		hash, deps, message []byte // message: PostgreSQL keeps it as bytea
		seq, startOp        int64
	)
	err := sc.Scan(&c.Ordinal, &hash, &deps, &c.Actor, &seq, &startOp,
		&c.Time, &message, &c.User, receivedAt, &c.Raw)
	if err != nil {
		return fmt.Errorf("scan change: %w", err)
	}
	c.Doc, c.Message = doc, string(message)
	c.Seq, c.StartOp = uint64(seq), uint64(startOp)
	c.Actor, c.Raw = nilIfEmpty(c.Actor), nilIfEmpty(c.Raw)
	c.ReceivedAt = c.ReceivedAt.UTC()
	return decodeHashPair(&c.Hash, &c.Deps, hash, deps)
}

// ScanSnapshot scans a row of SelectLatestSnapshot into s. createdAt is the
// backend's scan target for created_at; it must fill s.CreatedAt.
func ScanSnapshot(sc Scanner, s *store.Snapshot, createdAt any) error {
	var heads []byte
	if err := sc.Scan(&s.Ordinal, &heads, &s.Data, createdAt); err != nil {
		return fmt.Errorf("scan snapshot: %w", err)
	}
	s.Data = nilIfEmpty(s.Data)
	s.CreatedAt = s.CreatedAt.UTC()
	hs, err := DecodeHashes(heads)
	s.Heads = hs
	return err
}

// ScanTouch scans a row of SelectTouches.
func ScanTouch(sc Scanner) (store.Touch, error) {
	var t store.Touch
	if err := sc.Scan(&t.Ordinal, &t.Data); err != nil {
		return t, fmt.Errorf("scan touch: %w", err)
	}
	t.Data = nilIfEmpty(t.Data)
	return t, nil
}

// EncodeHashes concatenates hashes into one blob, as the deps and heads
// columns store them. The result is never nil, so it never binds as NULL.
func EncodeHashes(hs []store.ChangeHash) []byte {
	b := make([]byte, 0, len(hs)*len(store.ChangeHash{}))
	for i := range hs {
		b = append(b, hs[i][:]...)
	}
	return b
}

// DecodeHashes splits a blob written by EncodeHashes. An empty blob decodes to nil.
func DecodeHashes(b []byte) ([]store.ChangeHash, error) {
	const n = len(store.ChangeHash{})
	if len(b)%n != 0 {
		return nil, fmt.Errorf("decode hash list: %d bytes is not a multiple of %d", len(b), n)
	}
	if len(b) == 0 {
		return nil, nil
	}
	hs := make([]store.ChangeHash, len(b)/n)
	for i := range hs {
		copy(hs[i][:], b[i*n:])
	}
	return hs, nil
}

// NonNil returns b, or an empty slice when b is nil, so that it binds as an
// empty blob rather than NULL.
func NonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func decodeHashPair(hash *store.ChangeHash, deps *[]store.ChangeHash, h, d []byte) error {
	if len(h) != len(hash) {
		return fmt.Errorf("decode change hash: %d bytes, want %d", len(h), len(hash))
	}
	copy(hash[:], h)
	ds, err := DecodeHashes(d)
	*deps = ds
	return err
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// ScanVersion scans a row of SelectVersion or SelectVersions. createdAt is
// the backend's scan target for created_at; it must fill v.CreatedAt.
func ScanVersion(sc Scanner, v *store.Version, createdAt any) error {
	if err := sc.Scan(&v.World, &v.Name, createdAt, &v.CreatedBy); err != nil {
		return fmt.Errorf("scan version: %w", err)
	}
	v.CreatedAt = v.CreatedAt.UTC()
	return nil
}

// ScanVersionDoc scans a row of SelectVersionDocs or SelectWorldVersionDocs.
func ScanVersionDoc(sc Scanner) (NamedVersionDoc, error) {
	var (
		d     NamedVersionDoc
		heads []byte
	)
	if err := sc.Scan(&d.Name, &d.Doc, &heads, &d.Ordinal); err != nil {
		return d, fmt.Errorf("scan version document: %w", err)
	}
	hs, err := DecodeHashes(heads)
	d.Heads = hs
	return d, err
}
