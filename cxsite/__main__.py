"""`python -m cxsite` runs the command line."""

from cxsite.cli import main

if __name__ == "__main__":
    main()
