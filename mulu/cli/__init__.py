"""The ``mulu`` command line: thin Typer commands over the library packages."""
