"""One module per `grader` command: `register(subparsers)` adds it, `args.run(args)` runs it.

Registering a command imports nothing heavy (no torch): the CLI parses its arguments first. May
import every other part of grader, inside `run`.
"""
