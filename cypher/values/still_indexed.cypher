// Whether any workspace still has an attribute of this type (label) and name that needs
// a plain index: indexed and not unique (a unique one is served by its constraint).
MATCH (a:_Attribute {type_key: toLower($label), key: toLower($name)})
WHERE a.type = $label AND a.name = $name AND a.indexed AND NOT coalesce(a.unique, false)
RETURN count(a) > 0 AS used
