// Selector steps: buttons from a Conversation's display attribute, the choice in its
// selection attribute.
CREATE CONSTRAINT refgraph_selector_id IF NOT EXISTS
FOR (s:_Selector) REQUIRE s.id IS UNIQUE;

CREATE CONSTRAINT refgraph_selector_name IF NOT EXISTS
FOR (s:_Selector) REQUIRE (s.workspace, s.name) IS UNIQUE;
