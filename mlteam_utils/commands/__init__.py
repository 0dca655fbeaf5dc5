"""The ``mlteam-course`` subcommands, one module each.

Each module defines ``add_parser(subparsers)`` (its ``argparse`` sub-parser,
with ``run`` as its handler) and ``run(args) -> int``, a
:class:`~mlteam_utils.commands.base.Subcommand`; :mod:`mlteam_utils.cli` only
lists them. A module imports what its command does inside ``run``, so that
``--help`` and every other subcommand stay cheap.
"""
