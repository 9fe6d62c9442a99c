// The distinct objects at the end of a walk along references from one start object
// (n0), in id order after the cursor, filtered on the end type's attributes; every
// node on the way is in the caller's workspace. The walk is one MATCH per hop,
// ending with `WITH e, path` (path: the nodes' id and external_id from n0 to e, or null when the walk does
// not keep paths). $filters: [{key, op, value}], op one of = != < <= > >= contains (a
// string list holds the value). Each end object comes with up to $max_paths paths.
MATCH (n0:{{Start}} {workspace: $workspace, id: $id})
{{path:Walk}}
WHERE ($after IS NULL OR e.id > $after)
  AND all(f IN $filters WHERE
        CASE f.op
          WHEN '=' THEN e[f.key] = f.value
          WHEN '!=' THEN e[f.key] <> f.value
          WHEN '<' THEN e[f.key] < f.value
          WHEN '<=' THEN e[f.key] <= f.value
          WHEN '>' THEN e[f.key] > f.value
          WHEN '>=' THEN e[f.key] >= f.value
          WHEN 'contains' THEN f.value IN e[f.key]
        END)
WITH e, collect(path)[..$max_paths] AS paths
ORDER BY e.id
LIMIT $limit
RETURN e {.*} AS node, paths
