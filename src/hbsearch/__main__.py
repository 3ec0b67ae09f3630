"""Command line of hbsearch: ``python -m hbsearch demo [flags]``."""

from __future__ import annotations

import argparse
import sys

from . import demo


def main(argv=None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``) and run the chosen command.

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    int
        The exit code: 2 when no command is given.
    """
    parser = argparse.ArgumentParser(
        prog="python -m hbsearch",
        description="Hyperband hyperparameter search for scikit-learn estimators on Dask.",
    )
    commands = parser.add_subparsers(dest="command", title="commands")
    demo.add_arguments(
        commands.add_parser("demo", help=demo.SUMMARY, description=demo.SUMMARY)
    )
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return demo.run(args)


# Dask's worker processes are spawned and re-import this module: run only here.
if __name__ == "__main__":
    sys.exit(main())
