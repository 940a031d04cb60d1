"""The parser every command line of the toolkit starts from: its name, its module's text as help, --version."""

import argparse

from autograder import __version__


def command_parser(prog: str, description: str | None, epilog: str | None = None) -> argparse.ArgumentParser:
    """Make the argument parser of one command.

    prog: how the command is typed ("python -m autograder.release"); description: the command module's
    docstring, shown as written; epilog: text after the options. Returns the parser with --version added.
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser
