// A type's instances are listed per workspace in id order: this index answers a page from
// the workspace's own nodes, in order (without it, a list reads every workspace's nodes of
// the label, so one tenant's volume would slow another's lists).
CREATE INDEX IF NOT EXISTS
FOR (n:{{Label}}) ON (n.workspace, n.id)
