"""The ``kg`` command line: :mod:`kg.cli.main` parses the arguments and dispatches to one module
per command group (``register(subparsers)``), with shared options in :mod:`kg.cli.common` and
output rendering in :mod:`kg.cli.output`. The top layer: it may import every other.
"""
