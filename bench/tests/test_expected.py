"""The committed expected samples (bench/expected/samples.csv) against a fresh run
of bench/sweeps/expected.toml, byte for byte: an unintended change of any of
these exact-mode figures fails here.  `make expected` rewrites the file when a
change is intended.  Needs the kernel image (make kernel) and QEMU."""

import os
import shutil

import pytest

from bench import expected, platform
from bench.tests.test_exact import IMAGE, _qemu, copy_image


def test_describe_change_names_the_rows_and_how():
    head = "run_id,workload,metric,params,rep,platform,counter,unit,mode,per,overhead,i,value\n"
    row = "0-null_syscall-r0,null_syscall,null,iterations=2,0,virt,pmccntr,instructions,exact,1,2,{i},{v}\n"
    old = (head + row.format(i=0, v=30) + row.format(i=1, v=30)).encode()
    assert expected.describe_change(old, old) == ""
    new = (head + row.format(i=0, v=30) + row.format(i=1, v=31)).encode()
    msg = expected.describe_change(old, new)
    assert "1 row(s)" in msg and "0-null_syscall-r0 metric=null i=1" in msg
    assert "value 30 -> 31" in msg and "make expected" in msg
    gone = expected.describe_change(old, (head + row.format(i=0, v=30)).encode())
    assert "i=1: row gone (was 30)" in gone


@pytest.mark.skipif(not os.path.isfile(IMAGE) or _qemu() is None or shutil.which(_qemu()) is None,
                    reason="the kernel image (make kernel) or QEMU is absent")
def test_samples_equal_the_committed_ones(tmp_path):
    with open(expected.FILE, "rb") as f:
        old = f.read()
    new = expected.fresh_samples(copy_image(tmp_path), str(tmp_path))
    assert new.count(b"\n") > 100
    if new != old:
        pytest.fail(expected.describe_change(old, new), pytrace=False)
