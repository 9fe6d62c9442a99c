// The number of the last batch of each workspace in $workspaces that has a feed: the one
// query a process's feed notifier runs for all its waiting long-polls at once.
MATCH (s:_EventSequence)
WHERE s.workspace IN $workspaces
RETURN s.workspace AS workspace, s.last AS seq
