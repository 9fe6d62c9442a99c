// The distinct objects at the end of a walk along references from one start object
// (n0), in id order after the cursor, filtered on the end type's attributes; every
// node on the way is in the caller's workspace. The walk is one MATCH per hop,
// carrying distinct nodes only; for each end object of the page, up to $max_paths paths
// (each the nodes' id and external_id from n0 to e) are found afterwards, lazily, or
// null when the walk keeps none. {{where:Filter}}: the where= conditions on e, as
// the list route's (values in $p0, $p1, ...). Each end object comes with
// its paths and the targets of its `one` references (refs). One row: the workspace's schema version (the walk was planned
// with a cached schema: the caller checks it), whether the start object exists, and
// the page.
MATCH (w:_Workspace {id: $workspace})
OPTIONAL MATCH (start:{{Start}} {workspace: $workspace, id: $id})
CALL (start) {
  WITH start AS n0
  WHERE n0 IS NOT NULL
  {{path:Walk}}
  WHERE ($after IS NULL OR e.id > $after)
    AND {{where:Filter}}
  WITH n0, e
  ORDER BY e.id
  LIMIT $limit
  CALL (n0, e) {
    {{paths:Walk}}
  }
  RETURN collect({node: e {.*, created_at: toString(e.created_at), updated_at: toString(e.updated_at), external_created_at: toString(e.external_created_at), external_updated_at: toString(e.external_updated_at)},
                 paths: paths, refs: {{refs:Inline}}}) AS page
}
RETURN w.schema_version AS version, start IS NOT NULL AS found, page
