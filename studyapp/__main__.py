from studyapp.cli.main import main

raise SystemExit(main())
