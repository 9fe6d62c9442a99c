// Every type name of every workspace (each is a label): for the indexes each label needs.
MATCH (t:_Type)
RETURN DISTINCT t.name AS name
