"""Long work off the request: a table of jobs, a queue that hands their ids to workers."""
