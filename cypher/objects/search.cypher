// A page of a type's objects that match a filter, in a sort order that ends with id
// (so it is total), after the cursor's last object: GET /v1/objects/{type}?where=&sort=
// and POST /v1/objects/{type}/search. The filter, order and sort values are rendered
// from a checked Search (keys identifier-checked, values parameters $p0, $p1, ...);
// sort_values are the cursor of the page's last object. One row: the workspace's schema
// version (the search was planned with a cached schema: the caller checks it) and the page.
MATCH (w:_Workspace {id: $workspace})
CALL (w) {
  MATCH (n:{{Label}} {workspace: $workspace})
  WHERE {{where:Search}}
  RETURN n {.*, created_at: toString(n.created_at), updated_at: toString(n.updated_at), external_created_at: toString(n.external_created_at), external_updated_at: toString(n.external_updated_at)} AS node,
         {{sort_values:Search}} AS sort_values
  ORDER BY {{order:Search}}
  LIMIT $limit
}
RETURN w.schema_version AS version, collect({node: node, sort_values: sort_values}) AS page
