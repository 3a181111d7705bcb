from tongdai.cli import main

raise SystemExit(main())
