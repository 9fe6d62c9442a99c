// The objects of a type that hold any of the values an options change removes, in id
// order. $list: the attribute is an enum_list (a list of values per object).
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Key}} IS NOT NULL
  AND CASE WHEN $list THEN any(v IN n.{{Key}} WHERE v IN $removed) ELSE n.{{Key}} IN $removed END
RETURN n.id AS id, n.external_id AS external_id, n.{{Key}} AS value
ORDER BY n.id
