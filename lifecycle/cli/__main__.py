from __future__ import annotations

from lifecycle.cli import main

raise SystemExit(main())
