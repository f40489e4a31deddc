// Package sqlstore holds what the SQLite and PostgreSQL stores share: the SQL
// text that is identical in both dialects, the row encodings (hash lists,
// unsigned integers, timestamps) and the checks every write makes before it
// touches the database.
//
// Both backends write parameters as $1, $2, …: PostgreSQL requires it and
// SQLite accepts it. DDL and the statements whose dialects differ (bulk
// inserts, "ordinal in this list") stay in each backend.
package sqlstore

// SchemaVersion is the schema version this code reads and writes. Each
// backend's migrations bring a database up to it.
const SchemaVersion = 6

// Column lists, in the order the Scan functions expect them.
const (
	worldCols = `id, name, manifest_doc, created_at, created_by, parent_world, branch_name, forked_at`
	// selectWorldCols reads worldCols; a main world's NULL parent reads as "".
	selectWorldCols = `id, name, manifest_doc, created_at, created_by, COALESCE(parent_world, ''), branch_name, forked_at`
	layerCols       = `id, world_id, name, doc_id, position`
	documentCols    = `id, world_id, kind`
	// ChangeCols are the columns ScanChange reads, for backend-specific queries.
	ChangeCols = `ordinal, hash, deps, actor, seq, start_op, time, message, user_name, received_at, raw`
	metaCols   = `ordinal, hash, deps, actor, seq, size`

	versionCols    = `world_id, name, created_at, created_by`
	versionDocCols = `name, doc_id, heads, ordinal`
)

// Statements identical in both dialects.
const (
	// SelectSchemaVersion reads the schema version row.
	SelectSchemaVersion = `SELECT version FROM schema_version`
	// InsertSchemaVersion records the version of a freshly created schema.
	InsertSchemaVersion = `INSERT INTO schema_version (version) VALUES ($1)`
	// UpdateSchemaVersion records the version after a migration.
	UpdateSchemaVersion = `UPDATE schema_version SET version = $1`

	// InsertWorld inserts a world row. A main world's parent_world and
	// forked_at are NULL (see NullParent); the foreign key on parent_world
	// refuses an unknown parent and the unique index worlds_parent_branch a
	// second branch of one name.
	InsertWorld = `INSERT INTO worlds (` + worldCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	// InsertLayer inserts a layer row.
	InsertLayer = `INSERT INTO layers (` + layerCols + `) VALUES ($1, $2, $3, $4, $5)`
	// InsertDocument inserts a document row.
	InsertDocument = `INSERT INTO documents (` + documentCols + `) VALUES ($1, $2, $3)`

	// UpdateWorldName renames a world: $1 id, $2 name.
	UpdateWorldName = `UPDATE worlds SET name = $2 WHERE id = $1`

	// SelectWorld reads one world row by id.
	SelectWorld = `SELECT ` + selectWorldCols + ` FROM worlds WHERE id = $1`
	// SelectWorlds reads every world row, oldest first.
	SelectWorlds = `SELECT ` + selectWorldCols + ` FROM worlds ORDER BY created_at, id`
	// SelectBranches reads the rows of one world's branches, oldest first,
	// finding them through worlds_parent_branch.
	SelectBranches = `SELECT ` + selectWorldCols + ` FROM worlds
		WHERE parent_world = $1 ORDER BY created_at, id`
	// SelectWorldLayers reads one world's layers in display order.
	SelectWorldLayers = `SELECT ` + layerCols + ` FROM layers WHERE world_id = $1 ORDER BY position, id`
	// SelectLayers reads every layer, each world's in display order.
	SelectLayers = `SELECT ` + layerCols + ` FROM layers ORDER BY world_id, position, id`
	// SelectBranchLayers reads the layers of one world's branches, each
	// branch's in display order.
	SelectBranchLayers = `SELECT ` + layerCols + ` FROM layers
		WHERE world_id IN (SELECT id FROM worlds WHERE parent_world = $1)
		ORDER BY world_id, position, id`
	// SelectDocument reads one document row by id.
	SelectDocument = `SELECT ` + documentCols + ` FROM documents WHERE id = $1`

	// SelectLastOrdinal returns one row, the document's highest ordinal (0 for
	// an empty log), if and only if the document exists.
	SelectLastOrdinal = `SELECT COALESCE((SELECT MAX(ordinal) FROM changes WHERE doc_id = $1), 0)
		FROM documents WHERE id = $1`
	// SelectChangeIndex reads the index entries after an ordinal.
	SelectChangeIndex = `SELECT ` + metaCols + ` FROM changes
		WHERE doc_id = $1 AND ordinal > $2 ORDER BY ordinal`
	// SelectChanges reads full changes in an inclusive ordinal range.
	SelectChanges = `SELECT ` + ChangeCols + ` FROM changes
		WHERE doc_id = $1 AND ordinal BETWEEN $2 AND $3 ORDER BY ordinal`

	// SelectChangeLog reads a page of full changes below an ordinal, newest
	// first, walking the primary key (doc_id, ordinal) backwards.
	SelectChangeLog = `SELECT ` + ChangeCols + ` FROM changes
		WHERE doc_id = $1 AND ordinal < $2 ORDER BY ordinal DESC LIMIT $3`
	// SelectChangeByHash reads one full change by its hash, through the
	// unique index (doc_id, hash).
	SelectChangeByHash = `SELECT ` + ChangeCols + ` FROM changes WHERE doc_id = $1 AND hash = $2`
	// SelectOrdinalAt returns one row, the highest ordinal of the document's
	// changes received at or before a time (0 if none), if and only if the
	// document exists. The index (doc_id, received_at, ordinal) covers it.
	SelectOrdinalAt = `SELECT COALESCE((SELECT MAX(ordinal) FROM changes
		WHERE doc_id = $1 AND received_at <= $2), 0)
		FROM documents WHERE id = $1`

	// InsertVersion inserts a version row.
	InsertVersion = `INSERT INTO versions (` + versionCols + `) VALUES ($1, $2, $3, $4)`
	// InsertVersionDoc inserts one document of a version.
	InsertVersionDoc = `INSERT INTO version_docs (world_id, ` + versionDocCols + `)
		VALUES ($1, $2, $3, $4, $5)`
	// SelectVersion reads one version row by world and name.
	SelectVersion = `SELECT ` + versionCols + ` FROM versions WHERE world_id = $1 AND name = $2`
	// SelectVersions reads a world's version rows, oldest first. Names and
	// document ids compare bytewise in both dialects (SQLite's BINARY
	// collation; the PostgreSQL columns are COLLATE "C"), so both backends
	// list in one order.
	SelectVersions = `SELECT ` + versionCols + ` FROM versions
		WHERE world_id = $1 ORDER BY created_at, name`
	// SelectVersionDocs reads one version's documents by document id.
	SelectVersionDocs = `SELECT ` + versionDocCols + ` FROM version_docs
		WHERE world_id = $1 AND name = $2 ORDER BY doc_id`
	// SelectWorldVersionDocs reads the documents of all a world's versions,
	// by version name and document id.
	SelectWorldVersionDocs = `SELECT ` + versionDocCols + ` FROM version_docs
		WHERE world_id = $1 ORDER BY name, doc_id`

	// InsertTouch stores one touch unless the change already has one.
	InsertTouch = `INSERT INTO touches (doc_id, ordinal, data) VALUES ($1, $2, $3)
		ON CONFLICT (doc_id, ordinal) DO NOTHING`
	// SelectTouchedUpTo returns one row, the highest ordinal with a touch (0
	// when none has one), if and only if the document exists. Touches are
	// kept a prefix of the log, so that is the end of the prefix.
	SelectTouchedUpTo = `SELECT COALESCE((SELECT MAX(ordinal) FROM touches WHERE doc_id = $1), 0)
		FROM documents WHERE id = $1`
	// SelectTouches reads the touches in an inclusive ordinal range.
	SelectTouches = `SELECT ordinal, data FROM touches
		WHERE doc_id = $1 AND ordinal BETWEEN $2 AND $3 ORDER BY ordinal`

	// UpsertSnapshot stores a snapshot, replacing one at the same ordinal.
	UpsertSnapshot = `INSERT INTO snapshots (doc_id, ordinal, heads, data, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (doc_id, ordinal) DO UPDATE
		SET heads = excluded.heads, data = excluded.data, created_at = excluded.created_at`
	// PruneSnapshots removes a document's snapshots older than an ordinal.
	PruneSnapshots = `DELETE FROM snapshots WHERE doc_id = $1 AND ordinal < $2`
	// SelectLatestSnapshot reads a document's highest-ordinal snapshot.
	SelectLatestSnapshot = `SELECT ordinal, heads, data, created_at FROM snapshots
		WHERE doc_id = $1 ORDER BY ordinal DESC LIMIT 1`
)
