"""Sub-command modules of the `opsdesk` command; each exposes ``register(subparsers)``."""
