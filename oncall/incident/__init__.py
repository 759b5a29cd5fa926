"""Incident answers: who is on call for a pipeline now, and the Monday hand-off agenda."""
