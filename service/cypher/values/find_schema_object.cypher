// The index or constraint refgraph made on (workspace, $key) of a label, if any:
// its name and whether it is a constraint.
SHOW INDEXES YIELD name, labelsOrTypes, properties, owningConstraint
WHERE labelsOrTypes = [$label] AND properties = ['workspace', $key]
RETURN name, owningConstraint
