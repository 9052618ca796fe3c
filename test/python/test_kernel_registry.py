"""The kernel registry (tigris.kernels) is complete: every kind has its dialect op,
its reference function, and (when it becomes a call) a plan record and a C emitter."""
import re
from pathlib import Path

from tigris import kernels
from tigris.dialects import IRDL_PATH, KERNEL_OPS
from tigris.plan import format as F
from tigris.reference import kernels as reference
from tigris.targets import TABLE

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_has_its_op_reference_plan_record_and_c_call():
    irdl_ops = set(re.findall(r"irdl\.operation @(\w+)", Path(IRDL_PATH).read_text()))
    assert set(KERNEL_OPS) == set(kernels.NAMES) <= irdl_ops
    for name, k in kernels.REGISTRY.items():
        assert callable(getattr(reference, name)), name
        if k.plan is None:
            assert name in F.NO_CALL_OPS
            continue
        assert k.plan.name == name and F.KERNELS[name] is k.plan
        assert k.emit_c is not None, name
        assert set(k.blobs) <= {s.name for s in k.plan.slots}
        assert k.per_mac is not None, name


def test_ids_and_targets_come_from_one_table_each():
    ids = [k.plan.id for k in kernels.REGISTRY.values() if k.plan is not None]
    assert len(ids) == len(set(ids))
    assert F.TARGETS == {t.name: t.plan_id for t in TABLE.values()}
    families = {t.scratch for t in TABLE.values()} - {None}
    for k in kernels.REGISTRY.values():
        assert set(k.scratch) <= families, k.name
