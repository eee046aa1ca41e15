"""`python -m collector` runs the `quotes` command line."""

from collector.cli import main

if __name__ == "__main__":
    main()
