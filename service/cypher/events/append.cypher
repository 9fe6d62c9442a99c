// One write transaction's events, as the transaction's last statement. Incrementing the
// workspace's sequence takes its write lock until commit: batches are numbered in commit
// order (see service/store/events.py). $events: the events' JSON, deflated (bytes).
MERGE (s:_EventSequence {workspace: $workspace})
  ON CREATE SET s.last = 0
SET s.last = s.last + 1
CREATE (b:_EventBatch {workspace: $workspace, seq: s.last, id: $id, cause: $cause, count: $count,
                       events: $events, occurred_at: datetime.transaction()})
