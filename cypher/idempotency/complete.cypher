// The answer to replay for a claimed key.
MATCH (k:_IdempotencyKey {key: $key, mine: $claim})
SET k.state = 'done', k.status = $status, k.body = $body, k.content_type = $content_type
