// Keep what a cardinality change deleted, so it can be listed and restored; the
// cardinalities before the change, and those it set (set_*); the token that made it.
CREATE (p:_Prune {
  id: $id, workspace: $workspace, type: $type, attribute: $attribute, rel_type: $rel_type,
  attribute_created_at: $attribute_created_at,
  direction: $direction, cardinality: $cardinality, inverse_cardinality: $inverse_cardinality,
  set_cardinality: $set_cardinality, set_inverse_cardinality: $set_inverse_cardinality, by_token: $by_token,
  applied_at: datetime(), deleted: $deleted, associations: $associations
})
