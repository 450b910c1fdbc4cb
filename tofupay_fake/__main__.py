"""``python -m tofupay_fake serve``: the same as the ``tofupay-fake`` command."""

from __future__ import annotations

from .transports.cli import main

raise SystemExit(main())
