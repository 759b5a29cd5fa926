"""The ``oncall`` command line: thin Typer modules that parse, call the core, and render."""
