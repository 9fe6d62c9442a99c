// A workspace's prunes, newest first (ids are time-ordered), a page at a time; those of one
// attribute when $type and $attribute are given.
MATCH (p:_Prune {workspace: $workspace})
WHERE ($after IS NULL OR p.id < $after)
  AND ($type IS NULL OR (p.type = $type AND p.attribute = $attribute))
RETURN p {.id, .type, .attribute, .applied_at, .deleted, .restored_at, .restored, .cardinality,
          .inverse_cardinality, .set_cardinality, .set_inverse_cardinality, .by_token} AS prune
ORDER BY p.id DESC
LIMIT $limit
