"""Public registration for a cohort: a page anyone can fill in, the coordinator's decisions, a waiting list."""
