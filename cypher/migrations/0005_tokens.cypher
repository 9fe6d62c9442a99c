// API tokens, stored as hashes, each for one workspace with a scope.
CREATE CONSTRAINT refgraph_token_id IF NOT EXISTS
FOR (t:_Token) REQUIRE t.id IS UNIQUE;

CREATE CONSTRAINT refgraph_token_hash IF NOT EXISTS
FOR (t:_Token) REQUIRE t.hash IS UNIQUE;
