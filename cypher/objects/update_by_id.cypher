// Update one instance by id; returns nothing when it does not exist. before: [key,
// stored value] of each value the update changes (for the change event).
MATCH (n:{{Label}} {workspace: $workspace, id: $id})
WITH n, [key IN keys($props)
  WHERE NOT coalesce(n[key] = $props[key], n[key] IS NULL AND $props[key] IS NULL) | [key, n[key]]] AS before
SET n += $props,
    n.updated_at = datetime.transaction()
RETURN n.id AS id, n.external_id AS external_id, before
