"""The `tunecamp` command: the generator's commands plus the daemon's."""

from __future__ import annotations

from tunecamp.generator.cli import cli

main = cli
