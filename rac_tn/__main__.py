"""``python -m rac_tn`` runs the ``rac-tn`` command."""

from rac_tn.cli import main

raise SystemExit(main())
