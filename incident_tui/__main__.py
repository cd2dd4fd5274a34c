"""``python -m incident_tui`` is the same program as the ``incident-tui`` command."""

from incident_tui.cli import main

raise SystemExit(main())
