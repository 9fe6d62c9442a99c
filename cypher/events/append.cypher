// One write transaction's events, as the transaction's last statement, in chunks of at
// most 1,000 (so a reader unpacks a bounded amount at a time). Incrementing the
// workspace's sequence takes its write lock until commit: chunks are numbered in commit
// order (see service/store/events.py). $chunks: [{id, count, events: deflated JSON,
// types: the event types it holds, so a filtered reader can pass it unpacked}].
MERGE (s:_EventSequence {workspace: $workspace})
  ON CREATE SET s.last = 0
SET s.last = s.last + size($chunks)
WITH s, s.last - size($chunks) AS before
UNWIND range(0, size($chunks) - 1) AS i
CREATE (b:_EventBatch {workspace: $workspace, seq: before + i + 1, id: $chunks[i].id, cause: $cause,
                       count: $chunks[i].count, events: $chunks[i].events, types: $chunks[i].types,
                       occurred_at: datetime.transaction()})
