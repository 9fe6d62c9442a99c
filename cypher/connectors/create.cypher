// A new connector. $props: workspace, id, name, description, object_type, spec (JSON
// text), uses (the Type.attribute names it relies on).
CREATE (c:_Connector)
SET c = $props, c.created_at = datetime(), c.updated_at = datetime()
RETURN c {.*, created_at: toString(c.created_at), updated_at: toString(c.updated_at)} AS connector
