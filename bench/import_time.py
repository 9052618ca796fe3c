"""Time `tigris import` of zoo models (in-process: load, resolve, emit TOSA,
verify; and separately tigris-legalize). Usage: python bench/import_time.py [names...]"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "models"))
import zoo  # noqa: E402

from tigris.dialects import make_context  # noqa: E402
from tigris.importers.onnx import import_onnx  # noqa: E402
from tigris.pipeline import build  # noqa: E402


def main(names):
    print(f"{'model':28s} {'import s':>9s} {'legalize s':>11s}")
    for name in names:
        path = str(zoo.build(name))
        best_import, best_legal = 1e9, 1e9
        for _ in range(3):
            ctx = make_context()
            t0 = time.perf_counter()
            result = import_onnx(path, ctx)
            t1 = time.perf_counter()
            with ctx:
                build("builtin.module(tigris-legalize)", ctx).run(result.module.operation)
            t2 = time.perf_counter()
            best_import, best_legal = min(best_import, t1 - t0), min(best_legal, t2 - t1)
        print(f"{name:28s} {best_import:9.3f} {best_legal:11.3f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["mobilenet_v1_1.0_128", "mobilenet_v2_0.35_96", "resnet8", "unet_small"])
