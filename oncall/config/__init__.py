"""Workspace configuration: plain data models, their validation, and workspace loading."""
