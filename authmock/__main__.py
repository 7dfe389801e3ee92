import sys

from authmock.cli import main

sys.exit(main())
