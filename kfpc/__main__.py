from kfpc.cli import main

raise SystemExit(main())
