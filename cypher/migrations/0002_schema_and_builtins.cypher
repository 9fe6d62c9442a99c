// The schema kept in the graph (types and attributes, per workspace), and the
// constraints of the built-in types Person and Conversation and of Conversation.contact.
CREATE CONSTRAINT refgraph_type_key IF NOT EXISTS
FOR (t:_Type) REQUIRE (t.workspace, t.key) IS UNIQUE;

CREATE CONSTRAINT refgraph_attribute_key IF NOT EXISTS
FOR (a:_Attribute) REQUIRE (a.workspace, a.type_key, a.key) IS UNIQUE;

CREATE CONSTRAINT refgraph_Person_id IF NOT EXISTS
FOR (n:Person) REQUIRE n.id IS UNIQUE;

CREATE CONSTRAINT refgraph_Person_external_id IF NOT EXISTS
FOR (n:Person) REQUIRE (n.workspace, n.external_id) IS UNIQUE;

CREATE CONSTRAINT refgraph_Conversation_id IF NOT EXISTS
FOR (n:Conversation) REQUIRE n.id IS UNIQUE;

CREATE CONSTRAINT refgraph_Conversation_external_id IF NOT EXISTS
FOR (n:Conversation) REQUIRE (n.workspace, n.external_id) IS UNIQUE;

CREATE CONSTRAINT refgraph_CONTACT_source_one IF NOT EXISTS
FOR ()-[r:CONTACT]-() REQUIRE r.source_one IS UNIQUE;

CREATE CONSTRAINT refgraph_CONTACT_target_one IF NOT EXISTS
FOR ()-[r:CONTACT]-() REQUIRE r.target_one IS UNIQUE;
