"""One module per `grader` command: `register(subparsers)` adds it, `args.run(args)` runs it."""
