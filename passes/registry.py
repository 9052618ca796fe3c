"""The pass registry.

A pass is one module in this package that defines `PASS = Pass(...)`; the
registry finds it by scanning the package, so adding a pass is adding a file.
Options that describe the device (target, budget, slow, alignment) may also
be set once on the module as `tigris.target`, `tigris.budget`, `tigris.slow`,
`tigris.alignment` (tigris-configure): every pass with such an option then
reads the module's value, and an option given explicitly that contradicts it
is an error.

A pass is anchored on `func.func` (it runs once per function) or, with
`on_module=True`, on `builtin.module`. Python passes cannot be nested in a
PassManager (the bindings have no `nest()`, and `op_name` aborts on a module
PassManager), so each one is added at module level and `as_callable` walks
from the module to the ops its place in the pipeline anchors it on.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field, fields, replace
from typing import Callable


from tigris.errors import PassError  # noqa: F401  (passes raise it from here)


# Pass option -> the module attribute that holds it for the whole pipeline.
MODULE_OPTIONS = {"target": "tigris.target", "budget": "tigris.budget", "slow": "tigris.slow",
                  "alignment": "tigris.alignment"}


@dataclass(frozen=True)
class Option:
    """One option as a pipeline spells it (`time-limit`), for listings."""
    name: str
    parse: Callable[[str], object]
    default: object
    doc: str


def option(default, parse: Callable[[str], object], doc: str):
    """A field of a pass's options dataclass: its default, how its text parses,
    and one line of help. The pipeline name is the field name with `-` for `_`."""
    return field(default=default, metadata={"parse": parse, "doc": doc})


@dataclass(frozen=True)
class NoOptions:
    """The options of a pass that takes none."""


@dataclass(frozen=True)
class Pass:
    argument: str           # the name in a pipeline, e.g. "tigris-legalize"
    summary: str            # one line: what the pass changes
    run: Callable           # run(func_op: ir.Operation, options: <options_type>) -> None
    options_type: type = NoOptions   # a frozen dataclass whose fields use `option`
    on_module: bool = False  # run(module_op, options) once instead of per function

    @property
    def anchor(self) -> str:
        return "builtin.module" if self.on_module else "func.func"

    @property
    def options(self) -> tuple[Option, ...]:
        return tuple(Option(f.name.replace("_", "-"), f.metadata["parse"], f.default,
                            f.metadata["doc"]) for f in fields(self.options_type))

    def parse_options(self, text: str):
        """`key=value key2=value2` (MLIR pass-option syntax) -> the options dataclass."""
        known = {o.name: o for o in self.options}
        values = {}
        for item in text.split():
            key, eq, raw = item.partition("=")
            if key not in known:
                raise ValueError(f"pass '{self.argument}' has no option '{key}'")
            if not eq:
                raise ValueError(f"option '{key}' of pass '{self.argument}' needs a value")
            try:
                values[key.replace("-", "_")] = known[key].parse(raw)
            except ValueError as e:
                raise ValueError(f"option '{key}' of pass '{self.argument}': {e}") from None
        return self.options_type(**values)

    @staticmethod
    def given_options(text: str) -> frozenset:
        """The option names written in `key=value ...` (the others take defaults)."""
        return frozenset(item.partition("=")[0] for item in text.split())

    def resolve(self, op, options, given: frozenset = frozenset()):
        """options with the module's tigris.* values; an explicit contradiction is an error."""
        config = module_config(op)
        names = {f.name for f in fields(options)}
        module_values = {}
        for name, attr_name in MODULE_OPTIONS.items():
            if name not in names or attr_name not in config:
                continue
            value, mine = config[attr_name], getattr(options, name)
            if name in given and mine is not None and mine != value:
                raise PassError(f"option {name}={mine} of '{self.argument}' contradicts "
                                f"the module's {attr_name} = {value!r}", op.location)
            module_values[name] = value
        return replace(options, **module_values)

    def as_callable(self, options, path: tuple[str, ...] = (),
                    given: frozenset = frozenset()):
        """The `run(op, pass_)` callable that PassManager.add takes.

        `path` is where the pass sits under the root module, e.g.
        ("func.func",) for `builtin.module(func.func(pass))`. A function pass
        at a module position runs on that module's functions (implicit nesting).
        `given` names the options written in the pipeline (see `resolve`).
        """
        def run_one(op):
            self.run(op, self.resolve(op, options, given))

        def run(module_op, pass_):
            try:
                for op in anchored_ops(module_op, path):
                    if self.on_module:
                        if op.name == "builtin.module":
                            run_one(op)
                    elif op.name == "func.func":
                        run_one(op)
                    elif op.name == "builtin.module":
                        for func_op in functions(op):
                            run_one(func_op)
            except PassError as e:
                (e.location or module_op.location).emit_error(str(e))
                pass_.signal_pass_failure()
        return run


def module_config(op) -> dict:
    """The tigris.* device attributes (MODULE_OPTIONS) of op's module, or of op if
    it is a module; the innermost module that has any wins."""
    from tigris.dialects import attr_value
    op = getattr(op, "operation", op)
    while op is not None:
        if op.name == "builtin.module":
            found = {a: attr_value(op.attributes[a]) for a in MODULE_OPTIONS.values()
                     if a in op.attributes}
            if found:
                return found
        parent = op.parent
        op = parent.operation if parent is not None else None
    return {}


def anchored_ops(root, path: tuple[str, ...]) -> list:
    """The ops a nested pipeline `a(b(...))` runs on: direct children named a of
    root's regions, then their children named b, ... ('any' matches every op)."""
    ops = [getattr(root, "operation", root)]
    for name in path:
        ops = [child.operation for op in ops for region in op.regions
               for block in region.blocks for child in block.operations
               if name == "any" or child.operation.name == name]
    return ops


def functions(module_op) -> list:
    """The func.func ops directly inside a module."""
    module_op = getattr(module_op, "operation", module_op)
    return [op.operation for op in module_op.regions[0].blocks[0].operations
            if op.operation.name == "func.func"]


_REGISTRY: dict[str, Pass] | None = None


def registry() -> dict[str, Pass]:
    global _REGISTRY
    if _REGISTRY is None:
        import tigris.passes as package
        found: dict[str, Pass] = {}
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            p = getattr(module, "PASS", None)
            if isinstance(p, Pass):
                found[p.argument] = p
        _REGISTRY = dict(sorted(found.items()))
    return _REGISTRY
