// A workspace's event batches after the position ($seq, $index), in commit order: at
// most $limit, and no more than it takes to hold $max_events events (the first batch
// always comes).
MATCH (b:_EventBatch {workspace: $workspace})
WHERE b.seq > $seq OR (b.seq = $seq AND b.count - 1 > $index)
WITH b ORDER BY b.seq LIMIT $limit
WITH collect(b) AS batches
UNWIND range(0, size(batches) - 1) AS i
WITH batches[i] AS b, reduce(n = 0, x IN batches[0..i] | n + x.count) AS before
WHERE before <= $max_events
RETURN b {.seq, .id, .cause, .count, .events, occurred_at: toString(b.occurred_at)} AS batch
ORDER BY b.seq
