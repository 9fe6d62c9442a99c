// One delivery attempt's record.
CREATE (d:_Delivery)
SET d = $props, d.at = datetime()
