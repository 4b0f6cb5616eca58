"""The import contracts in pyproject.toml hold on the real tree, and a wrong import breaks them.

Each case copies the source packages and pyproject.toml into a temporary directory, adds one module with a
forbidden import, and runs `lint-imports` there (it puts its working directory first on the import path, so
the copy is what it analyses).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES = CONFIG["root_packages"]
CONTRACT_IDS = [contract["id"] for contract in CONFIG["contracts"]]
# Settings only parse these: a fresh interpreter that imports models needs no database.
NO_SERVERS = {"DATABASE_URL": "postgres://lint@127.0.0.1:9/unused", "REDIS_URL": "redis://127.0.0.1:9/0"}


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    # A wide console keeps each contract's name and verdict on one line.
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def copy_of_the_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_real_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACT_IDS)} kept, 0 broken." in result.stdout


# (contract id, module to add, its source, the import lint-imports must name)
WRONG_IMPORTS = [
    ("layers", "core/wrong.py", "import layout.models\n", "core.wrong -> layout.models"),
    ("layers", "layout/wrong.py", "from inventory.models import Product\n", "layout.wrong -> inventory.models"),
    ("layers", "inventory/wrong.py", "import orders.models\n", "inventory.wrong -> orders.models"),
    ("layers", "shipping/wrong.py", "import warehouse.selectors\n", "shipping.wrong -> warehouse.selectors"),
    ("layers", "warehouse/wrong.py", "import returns.apps\n", "warehouse.wrong -> returns.apps"),
    ("layers", "returns/wrong.py", "import demo.data\n", "returns.wrong -> demo.data"),
    ("layers", "returns/wrong.py", "import portal.selectors\n", "returns.wrong -> portal.selectors"),
    ("layers", "portal/wrong.py", "import demo.data\n", "portal.wrong -> demo.data"),
    ("layers", "warehouse/wrong.py", "from demo.data import seed_layout\n", "warehouse.wrong -> demo.data"),
    ("layers", "demo/wrong.py", "import wms_project.health\n", "demo.wrong -> wms_project.health"),
    (
        "inventory-services",
        "inventory/services/wrong.py",
        "import orders.services\n",
        "inventory.services.wrong -> orders.services",
    ),
    (
        "inventory-services",
        "inventory/services/wrong.py",
        "from layout.services import bins_import\n",
        "inventory.services.wrong -> layout.services",
    ),
    (
        "orders-not-warehouse",
        "orders/services/wrong.py",
        "def later():\n    from warehouse.selectors import open_pick_lines\n",
        "orders.services.wrong -> warehouse.selectors",
    ),
    (
        "inbound-outbound",
        "warehouse/inbound/services/wrong.py",
        "import warehouse.outbound.services.picking\n",
        "warehouse.inbound.services.wrong -> warehouse.outbound.services.picking",
    ),
    (
        "inbound-outbound",
        "warehouse/outbound/services/wrong.py",
        "from warehouse.inbound.services import receiving\n",
        "warehouse.outbound.services.wrong -> warehouse.inbound.services",
    ),
    (
        "services-not-web",
        "orders/services/wrong.py",
        "from orders.api import serializers\n",
        "orders.services.wrong -> orders.api",
    ),
]


@pytest.mark.parametrize(("contract", "path", "source", "named"), WRONG_IMPORTS)
def test_a_wrong_import_breaks_its_contract(tmp_path, contract, path, source, named):
    tree = copy_of_the_tree(tmp_path)
    assert lint_imports(tree, contract).returncode == 0, "the copy keeps the contract before the wrong import"

    (tree / path).write_text(source)
    result = lint_imports(tree, contract)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 0 kept, 1 broken." in result.stdout
    names = {c["id"]: c["name"] for c in CONFIG["contracts"]}
    assert f"{names[contract]} BROKEN" in result.stdout
    assert named in result.stdout


def test_every_contract_has_a_wrong_import_that_breaks_it():
    assert {contract for contract, *_ in WRONG_IMPORTS} == set(CONTRACT_IDS)


MODEL_MODULES = ["layout.models", "inventory.models", "orders.models", "shipping.models", "warehouse.models"]

FIRST_IMPORT = """
import sys

started = []


class Recorder:
    # First on the finder list: sees every module as its import starts, finds nothing itself.

    def find_spec(self, name, path=None, target=None):
        started.append(name)


sys.meta_path.insert(0, Recorder())

import django
from django.conf import settings

target = sys.argv[1]
app = target.split(".")[0]
ours = {"layout", "inventory", "orders", "shipping", "warehouse", "returns", "demo"}
# Django imports each app's models in INSTALLED_APPS order: the target's app goes first.
settings.INSTALLED_APPS = [app] + [entry for entry in settings.INSTALLED_APPS if entry != app]
django.setup()
print(next(name for name in started if name.split(".")[0] in ours and ".models" in name))
"""


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_models_import_first_in_a_fresh_interpreter(module):
    """No module relies on another app's models having been imported before it."""
    result = subprocess.run(
        [sys.executable, "-c", FIRST_IMPORT, module],
        cwd=ROOT,
        env={**os.environ, **NO_SERVERS, "DJANGO_SETTINGS_MODULE": "wms_project.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == module, "the first model module imported is the one under test"


def test_inventory_models_import_alone():
    """`python -c "import inventory.models"` with Django set up: the cycle through warehouse.models is gone."""
    code = "import django; django.setup(); import inventory.models; print(inventory.models.Product._meta.label)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **NO_SERVERS, "DJANGO_SETTINGS_MODULE": "wms_project.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "inventory.Product"
