from portfolio_guard.cli import main

raise SystemExit(main())
