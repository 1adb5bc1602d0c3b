"""The committed ABI and bytecode are what the pinned vyper makes of contracts/*.vy today."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import vyper

ROOT = Path(__file__).resolve().parents[2]


def compiler() -> object:
    spec = importlib.util.spec_from_file_location("compile_contracts", ROOT / "contracts" / "compile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["TuneCampSales", "DemoToken"])
def test_the_committed_artifact_is_the_compiled_source(name: str) -> None:
    compile_contracts = compiler()
    fresh = compile_contracts.compile_contract(name)  # type: ignore[attr-defined]
    committed_text = (ROOT / "daemon" / "payments" / "artifacts" / f"{name}.json").read_text()
    committed = json.loads(committed_text)
    assert committed["compiler"] == f"vyper {vyper.__version__}" == "vyper 0.4.3"
    assert committed["abi"] == fresh["abi"]
    assert committed["bytecode"] == fresh["bytecode"] and committed["bytecode"].startswith("0x")
    assert committed_text == compile_contracts.render(fresh)  # type: ignore[attr-defined]


def test_the_sales_abi_has_what_the_daemon_and_the_page_call() -> None:
    abi = json.loads((ROOT / "daemon/payments/artifacts/TuneCampSales.json").read_text())["abi"]
    names = {item.get("name") for item in abi}
    assert {
        "purchase",
        "purchase_with_token",
        "withdraw",
        "set_price",
        "register",
        "set_fee",
        "Purchase",
    } <= names
    purchase = next(i for i in abi if i.get("name") == "Purchase")
    assert [(i["name"], i["type"], i["indexed"]) for i in purchase["inputs"]] == [
        ("release_id", "bytes32", True),
        ("buyer", "address", True),
        ("amount", "uint256", False),
        ("token", "address", False),
    ]
    assert next(i for i in abi if i.get("name") == "purchase")["stateMutability"] == "payable"
