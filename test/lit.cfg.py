# lit configuration for the tigris MLIR tests (FileCheck-based, upstream style).
import os
import sys

import lit.formats
import mlir.ir

config.name = "tigris"
config.suffixes = [".mlir"]
# lit 23 (the newest on PyPI) rejects execute_external=True; the internal shell is enough.
config.test_format = lit.formats.ShTest(execute_external=False)
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.test_source_root, "Output")
config.excludes = ["lit.cfg.py", "Output", "python", "models", "Inputs"]

# tigris-opt lives beside the Python running lit; mlir-opt and the real
# FileCheck/not/count ship inside the xtc wheels, not on PATH.
site = os.path.dirname(os.path.dirname(mlir.ir.__file__))
tools = [os.path.dirname(sys.executable), os.path.join(site, "mlir", "bin"),
         os.path.join(site, "llvm", "bin")]
for tool in ("tigris-opt", "mlir-opt", "FileCheck", "not"):
    if not any(os.path.exists(os.path.join(d, tool)) for d in tools):
        lit_config.fatal(f"{tool} not found in {tools}: install the project with its test extra")
config.environment["PATH"] = os.pathsep.join(tools + [os.environ.get("PATH", "")])
repo = os.path.dirname(config.test_source_root)
config.substitutions += [
    ("%python", sys.executable),
    ("%tigris_irdl", os.path.join(repo, "dialects", "tigris.irdl.mlir")),
    ("%inputs", os.path.join(config.test_source_root, "Inputs")),
    ("%zoo", sys.executable + " " + os.path.join(config.test_source_root, "models", "zoo.py")),
]
