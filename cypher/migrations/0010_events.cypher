// Change events: one batch per write transaction, numbered per workspace in commit order.
CREATE CONSTRAINT refgraph_event_sequence IF NOT EXISTS
FOR (s:_EventSequence) REQUIRE s.workspace IS UNIQUE;
CREATE CONSTRAINT refgraph_event_batch_seq IF NOT EXISTS
FOR (b:_EventBatch) REQUIRE (b.workspace, b.seq) IS UNIQUE;
CREATE RANGE INDEX refgraph_event_batch_age IF NOT EXISTS
FOR (b:_EventBatch) ON (b.occurred_at);
