"""oncall: fair on-call rotations, runbooks and incident answers for the data pipelines."""

__version__ = "0.1.0"
