"""``python -m lifecycle``: the same as the ``lifecycle`` command."""

from __future__ import annotations

from lifecycle.cli import main

raise SystemExit(main())
