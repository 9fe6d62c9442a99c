// An indexed attribute: a range index on (workspace, value) serves filters and sorts
// of one workspace's objects of the type.
CREATE INDEX IF NOT EXISTS
FOR (n:{{Label}}) ON (n.workspace, n.{{Key}})
