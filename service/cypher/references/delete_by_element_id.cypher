// Delete relationships by element id.
UNWIND $rels AS rel
MATCH ()-[r]->()
WHERE elementId(r) = rel
DELETE r
