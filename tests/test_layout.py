"""The package is shaped like the loop: every import points down the stages of the module map
in `newstag.__doc__`, lazy imports inside functions included."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import newstag

PACKAGE = Path(newstag.__file__).parent
FOUNDATION = "foundation"


def stages() -> list[str]:
    """The stage packages as the module map lists them, highest first, then the foundation."""
    listed = re.findall(r"^    (\w+)/ ", newstag.__doc__, flags=re.MULTILINE)
    return [*listed, FOUNDATION]


def stage_of(module: str) -> str:
    """newstag.model.tagger -> "model"; newstag.config -> the foundation."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (PACKAGE / parts[-1]).is_dir() else FOUNDATION


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(module: str, path: Path) -> set[str]:
    """Every newstag module `module` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            names |= {f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names}
    return {name for name in names if name.startswith("newstag.")}


def _absolute(module: str | None, level: int, package: str) -> str:
    """`from ..x import y` inside `package`, as an absolute module name."""
    if not level:
        return module or ""
    parent = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join([*parent, module] if module else parent)


def _is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).is_dir() or (PACKAGE / relative).with_suffix(".py").is_file()


def test_the_module_map_names_every_stage_package():
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert set(stages()) - {FOUNDATION} == packages


def test_the_foundation_is_the_top_level_modules():
    top = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert top == {"config", "taxonomy", "errors", "files", "cache", "regexes"}


def test_no_module_imports_a_higher_stage():
    rank = {stage: height for height, stage in enumerate(reversed(stages()))}
    upward = [
        f"{module} ({stage_of(module)}) imports {target} ({stage_of(target)})"
        for module, path in modules().items()
        if module != "newstag"
        for target in sorted(imported(module, path))
        if rank[stage_of(target)] > rank[stage_of(module)]
    ]
    assert upward == []


def test_the_readme_layout_lists_the_stages_in_order_with_their_modules():
    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```")[1]
    lines = dict(re.findall(r"^  (\w+)/ +(.*)$", block, flags=re.MULTILINE))
    assert [*lines, FOUNDATION] == stages()
    for stage, line in lines.items():
        names = {path.stem for path in (PACKAGE / stage).glob("*.py")} - {"__init__"}
        names |= {path.name for path in (PACKAGE / stage).iterdir() if (path / "__init__.py").is_file()}
        listed = set(re.findall(r"\w+", line))
        assert stage == "cli" or names <= listed, f"{stage}/: {sorted(names - listed)} not in the README"


def test_the_checker_sees_lazy_and_package_imports(tmp_path):
    source = tmp_path / "x.py"
    source.write_text(
        "from newstag.labelstudio import client\n"
        "def f():\n    from newstag.model.tagger import SentenceTagger\n"
        "import newstag.text.articles\n"
    )
    assert imported("newstag.text.x", source) == {
        "newstag.labelstudio.client",
        "newstag.model.tagger",
        "newstag.text.articles",
    }
    assert [stage_of(m) for m in ("newstag.config", "newstag.cli", "newstag.tagging.batch.engine")] == [
        FOUNDATION,
        "cli",
        "tagging",
    ]
