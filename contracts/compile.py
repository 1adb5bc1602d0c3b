"""Compile the contracts with the pinned vyper and write their ABI and bytecode for the daemon.

    .venv/bin/python contracts/compile.py

The daemon reads daemon/payments/artifacts/<Name>.json (committed); tests/contracts/ recompiles
and fails when a committed artifact differs from its source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import vyper
from vyper.compiler import compile_code

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent / "daemon" / "payments" / "artifacts"
CONTRACTS = ("TuneCampSales", "DemoToken")


def compile_contract(name: str) -> dict[str, object]:
    source = (HERE / f"{name}.vy").read_text(encoding="utf-8")
    out = compile_code(source, output_formats=["abi", "bytecode", "bytecode_runtime"])
    return {
        "contract": name,
        "compiler": f"vyper {vyper.__version__}",
        "abi": out["abi"],
        "bytecode": out["bytecode"],
        "bytecode_runtime": out["bytecode_runtime"],
    }


def render(artifact: dict[str, object]) -> str:
    return json.dumps(artifact, indent=1, sort_keys=True) + "\n"


def main() -> int:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name in CONTRACTS:
        (ARTIFACTS / f"{name}.json").write_text(render(compile_contract(name)), encoding="utf-8")
        print(f"wrote {ARTIFACTS / name}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
