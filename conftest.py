"""pytest hooks of the whole tree.

Under make, which exports IPCLAB_BUILD (Makefile), every test target first
builds what its tests need (the kernel image, the Linux runner, the
linux-virt boot files, the plugin).  A test that skips there for want of
one of them would hide a broken build or a wrong build directory, so under
make a skip is a failure that gives the skip's reason.  Run by hand, without
IPCLAB_BUILD, a skip stays a skip.
"""

import os

import pytest

UNDER_MAKE = "IPCLAB_BUILD"


def _fail_skip(rep, what):
    if not (rep.skipped and os.environ.get(UNDER_MAKE)) or hasattr(rep, "wasxfail"):
        return
    longrepr = rep.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    rep.outcome = "failed"
    rep.longrepr = (f"{what} skipped under make ({UNDER_MAKE} is set, so the test target "
                    f"built what it needs): {reason}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip(outcome.get_result(), item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skip(outcome.get_result(), collector.nodeid or "the collection")
