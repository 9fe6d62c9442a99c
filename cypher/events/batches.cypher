// A workspace's event batches after the position ($seq, $index), in commit order: at
// most $limit, and no more than it takes to hold $max_events wanted events (the first
// batch always comes). $types: the event types asked for, each exact ('object.created')
// or a family ('object.*'); empty: every type. A batch that records its types and holds
// none of them comes without its events: the reader passes it without unpacking it.
MATCH (b:_EventBatch {workspace: $workspace})
WHERE b.seq > $seq OR (b.seq = $seq AND b.count - 1 > $index)
WITH b ORDER BY b.seq LIMIT $limit
WITH b, size($types) = 0 OR b.types IS NULL
        OR any(t IN b.types WHERE t IN $types OR split(t, '.')[0] + '.*' IN $types) AS wanted
WITH collect({b: b, wanted: wanted, n: CASE WHEN wanted THEN b.count ELSE 0 END}) AS rows
UNWIND range(0, size(rows) - 1) AS i
WITH rows[i] AS row, reduce(n = 0, x IN rows[0..i] | n + x.n) AS before
WHERE before <= $max_events
WITH row.b AS b, row.wanted AS wanted
RETURN b {.seq, .id, .cause, .count, occurred_at: toString(b.occurred_at),
          events: CASE WHEN wanted THEN b.events END} AS batch
ORDER BY batch.seq
