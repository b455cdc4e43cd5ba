"""`python -m bot` is the `anju` command."""

import sys

from bot.cli import main

sys.exit(main())
