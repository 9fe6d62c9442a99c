// The common ingest's first pass: which rows the graph already holds exactly (the
// object exists, has every value given, and, for a row that sets the reference, exactly
// its targets: those given by id in row.targets, by external id in row.external_ids).
// It reads and locks nothing: the rows the graph holds are not written; the others have
// their targets looked up (objects/resolve_targets) and go through
// objects/upsert_and_link, and then the rows not written are compared again, with this
// statement, once the written rows hold their locks.
// A pair per row: [the object's id or null, whether it holds the row].
UNWIND $rows AS row
OPTIONAL MATCH (n:{{Label}} {workspace: $workspace, external_id: row.external_id})
WITH row, n,
     n IS NOT NULL
     AND all(key IN keys(row.props)
             WHERE coalesce(n[key] = row.props[key], n[key] IS NULL AND row.props[key] IS NULL))
     AND (NOT row.touch
          OR (COUNT { (n)-[:{{Rel}}]->(:{{Target}}) } = size(row.targets) + size(row.external_ids)
              AND all(t IN row.targets WHERE EXISTS { (n)-[:{{Rel}}]->(:{{Target}} {id: t}) })
              AND all(e IN row.external_ids WHERE EXISTS { (n)-[:{{Rel}}]->(:{{Target}} {external_id: e}) }))) AS held
RETURN collect([n.id, held]) AS rows
