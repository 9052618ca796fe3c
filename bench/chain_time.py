"""Planning time of a deep chain: a 3x3 conv then N alternating Relu/Sigmoid
(the Relus fold into the op before them, so about N/2 + 1 kernel ops) on a
1x3x32x32 input, analyzed at one budget; prints the op count, the whole
analysis time and tigris-tile's share (analyze's tiling.seconds).
Usage: python bench/chain_time.py N BUDGET      e.g. 400 4K"""
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "python"))
from onnx_check import quantize  # noqa: E402
from test_architectures import Net  # noqa: E402

from tigris.analysis import analyze  # noqa: E402
from tigris.budget import Budget  # noqa: E402


def main():
    n, budget = int(sys.argv[1]), sys.argv[2]
    net = Net(0)
    x = net.conv("x", 3, 8, 3, 1)
    for i in range(n):
        x = net.node("Relu" if i % 2 == 0 else "Sigmoid", [x], "act")
    path = Path(tempfile.mkdtemp()) / f"chain{n}.onnx"
    model = quantize(net.model("chain", (1, 3, 32, 32), x), path, (1, 3, 32, 32))
    t0 = time.perf_counter()
    r = analyze(str(model), Budget.parse(budget), None)
    print(f"chain {n}: {r['operators']} ops at {budget}: analyze {time.perf_counter() - t0:.1f} s, "
          f"tigris-tile {r['tiling']['seconds'] if r['tiling'] else 0:.1f} s, "
          f"fits={r['budget']['fits']}")


if __name__ == "__main__":
    main()
