// Event batches older than the retention, a bounded number at a time.
MATCH (b:_EventBatch)
WHERE b.occurred_at < datetime() - duration({seconds: toInteger($days * 86400)})
WITH b LIMIT $limit
DELETE b
RETURN count(*) AS purged
