// A new API token: only its hash is kept. $props: id, workspace, scope, hash, prefix.
CREATE (t:_Token)
SET t = $props, t.created_at = datetime()
