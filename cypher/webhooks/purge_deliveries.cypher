// Delivery records older than the events' retention, a bounded number at a time.
MATCH (d:_Delivery)
WHERE d.at < datetime() - duration({seconds: toInteger($days * 86400)})
WITH d LIMIT $limit
DELETE d
RETURN count(*) AS purged
