"""A realistic, seeded demo data set with any of the diagnose faults planted (docs/pipelines.md)."""
