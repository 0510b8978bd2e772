"""`python -m microdose` runs the CLI."""

from microdose.cli.app import main

main()
