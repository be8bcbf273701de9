"""`/usr/bin/python3 -m bench ...`: see bench/cli.py or `--help`."""

import sys

from .cli import main

sys.exit(main())
