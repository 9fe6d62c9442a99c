// The plain index refgraph made on (workspace, $key) of a label, if any (not one a
// constraint owns).
SHOW INDEXES YIELD name, labelsOrTypes, properties, owningConstraint
WHERE labelsOrTypes = [$label] AND properties = ['workspace', $key] AND owningConstraint IS NULL
RETURN name
