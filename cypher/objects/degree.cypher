// How many associations one object has with objects of its workspace, both directions.
MATCH (n:{{Label}} {workspace: $workspace, id: $id})
RETURN COUNT { (n)-[]-({workspace: $workspace}) } AS count
