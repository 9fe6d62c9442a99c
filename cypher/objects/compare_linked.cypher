// The common ingest's first pass: which rows the graph already holds exactly (the
// object exists, has every value given, and, for a row that sets the reference, exactly
// its targets: those given by id in row.targets, by external id in row.external_ids).
// It reads and locks nothing: the rows the graph holds are not written; the others have
// their targets looked up (objects/resolve_targets) and locked, and are written
// (objects/insert_and_link for those with no object, objects/upsert_and_link for the
// rest), and then the rows not written are compared again, with this statement, once
// the written rows hold their locks.
// A pair per row: [the object's id or null, whether it holds the row].
// The targets held are compared as sets, in time linear in their number (`IN` a list
// looks it up as a set): each one held is named by the row (by its id or its external
// id), and each key the row names is held (one target named both ways counts once).
UNWIND $rows AS row
OPTIONAL MATCH (n:{{Label}} {workspace: $workspace, external_id: row.external_id})
WITH row, n, CASE WHEN n IS NOT NULL AND row.touch THEN [(n)-[:{{Rel}}]->(t:{{Target}}) | t] END AS linked
WITH row, n, linked, [t IN linked | t.id] AS linked_ids, [t IN linked | t.external_id] AS linked_external_ids
WITH row, n,
     n IS NOT NULL
     AND all(key IN keys(row.props)
             WHERE coalesce(n[key] = row.props[key], n[key] IS NULL AND row.props[key] IS NULL))
     AND (NOT row.touch
          OR (all(i IN range(0, size(linked) - 1)
                  WHERE linked_ids[i] IN row.targets OR linked_external_ids[i] IN row.external_ids)
              AND all(t IN row.targets WHERE t IN linked_ids)
              AND all(e IN row.external_ids WHERE e IN linked_external_ids))) AS held
RETURN collect([n.id, held]) AS rows
