"""The demo behind ``scripts/demo.sh``: roachlift's CLI on the bundled example specs."""

from __future__ import annotations

import argparse
import sys

from roachlift.cli import main as cli_main
from roachlift.config.spec import spec_files


def main(argv: list[str] | None = None) -> int:
    """Validate every bundled example spec with the CLI and show the DAG each becomes."""
    parser = argparse.ArgumentParser(prog="python -m roachlift.demo", description=__doc__)
    parser.parse_args(argv)
    files = [str(p) for p in spec_files()]
    print(f"roachlift demo: validating {len(files)} example spec(s)", flush=True)
    return cli_main(["validate-spec", *files])


if __name__ == "__main__":
    sys.exit(main())
