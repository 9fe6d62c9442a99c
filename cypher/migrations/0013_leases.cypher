// Leases: which API process runs a piece of background work (a purge) for a while.
CREATE CONSTRAINT refgraph_lease_name IF NOT EXISTS
FOR (l:_Lease) REQUIRE l.name IS UNIQUE;
