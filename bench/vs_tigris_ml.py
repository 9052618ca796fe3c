"""Side by side with tigris-ml 0.12.1 (the public tool of the same purpose),
installed in its own virtualenv. Prints, per model and budget, whether each
fits, the fast peak, slow-pool traffic per inference and our MACs overhead.

    python bench/vs_tigris_ml.py            # creates bench/.venv-tigris-ml on first use
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "test" / "models"))
import zoo  # noqa: E402

from tigris.analysis import analyze  # noqa: E402
from tigris.budget import Budget  # noqa: E402

PEER_VENV = HERE / ".venv-tigris-ml"
PEER = PEER_VENV / "bin" / "tigris"
MODELS = ["mobilenet_v1_1.0_128", "mobilenet_v2_0.35_96", "resnet8", "inception_block"]
BUDGETS = ["256K", "128K", "64K", "32K", "16K"]
SLOW = "8M"


def ensure_peer():
    if PEER.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", "tigris-ml==0.12.1"],
                   check=True)


def peer(path, mem):
    out = subprocess.run([str(PEER), "analyze", path, "-m", mem, "--json"], capture_output=True,
                         text=True)
    try:
        d = json.loads(out.stdout)
    except json.JSONDecodeError:
        return None
    slow = d.get("slow") or {}
    t = slow.get("traffic") or {}
    return {"fits": bool(d.get("memory", {}).get("fits", d.get("fits", True))),
            "traffic": int(t.get("written", 0)) + int(t.get("read", 0)),
            "slow_peak": int(slow.get("peak_bytes", 0))}


def main():
    ensure_peer()
    print(f"tigris-ml 0.12.1 vs TiGrIS-MLIR, slow pool {SLOW}; traffic = bytes written + read "
          "in the slow pool per inference (tigris-ml: analyze --json slow.traffic)")
    print(f"{'model':22s} {'budget':>6s} | {'peer traffic':>12s} | {'ours fast':>9s} "
          f"{'ours traffic':>12s} {'ratio':>6s} {'MACs':>6s} {'s':>5s}")
    for name in MODELS:
        path = str(zoo.build(name))
        for b in BUDGETS:
            p = peer(path, f"{b}+{SLOW}")
            t0 = time.perf_counter()
            r = analyze(path, Budget.parse(f"{b}+{SLOW}"), None)
            dt = time.perf_counter() - t0
            ours = r["slow"]["traffic"]
            t = r["tiling"]
            ratio = "-" if not p or not p["traffic"] else f"{ours / p['traffic']:.2f}"
            fits = "" if r["budget"]["fits"] else " FAIL"
            print(f"{name:22s} {b:>6s} | {p['traffic'] if p else 'n/a':>12} | "
                  f"{r['peak']['plan'] / 1024:8.2f}K {ours:>12d} {ratio:>6s} "
                  f"{t['macs'] / t['model_macs']:6.3f} {dt:5.2f}{fits}")
    print()
    print("SRAM only (no slow pool), MobileNetV1 1.0/128:")
    path = str(zoo.build("mobilenet_v1_1.0_128"))
    for b in ["128K", "96K"]:
        r = analyze(path, Budget.parse(b), None)
        print(f"  {b:>5s}: {'PASS' if r['budget']['fits'] else 'FAIL'} fast peak "
              f"{r['peak']['plan'] / 1024:.2f} KiB, MACs x{r['tiling']['macs'] / r['tiling']['model_macs']:.3f}")
    out = subprocess.run([str(PEER), "analyze", path, "-m", "128K"], capture_output=True, text=True)
    line = next((l for l in out.stdout.splitlines() if "slow memory" in l), "").strip()
    print(f"  tigris-ml at 128K: {line or out.stdout.splitlines()[3:4]}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
