// Whether any workspace still has an attribute of this type that needs the index
// (indexed) or constraint (unique) on this key.
MATCH (a:_Attribute {type_key: toLower($label), key: toLower($name)})
WHERE a.type = $label AND a.name = $name
  AND CASE WHEN $unique THEN a.unique ELSE a.indexed END
RETURN count(a) > 0 AS used
