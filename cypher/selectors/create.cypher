// A new selector step. $props: workspace, id, name, spec (JSON text), display_key and
// selection_key ('Conversation.<attribute>'), display_rel and selection_rel (their
// relationship types, for reports).
CREATE (s:_Selector)
SET s = $props, s.created_at = datetime(), s.updated_at = datetime()
RETURN s {.*, created_at: toString(s.created_at), updated_at: toString(s.updated_at)} AS selector
