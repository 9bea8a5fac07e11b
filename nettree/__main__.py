"""Run the CLI: ``python -m nettree``."""

from .cli import main

main()
