"""Set-up shared by every test file."""

import signal

import pytest

# A shell starts a background job with SIGINT ignored, and a child process inherits an ignored signal: the children of
# the Ctrl-C tests (test_fuzz, test_cli, test_explore) then never see their SIGINT, and those tests fail for a reason
# that is not the code's. A handled signal is reset to the default in every child at exec, so handling it here makes
# those tests mean the same wherever pytest is started (found when a CI run was started with `... &`).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)



@pytest.fixture
def counts_bound_peak():
    """``check(call, factor, match="max_bytes")``: runs ``call()`` under tracemalloc (numpy reports its buffers to it),
    then with ``max_bytes`` at that peak, where it must be refused (a ValueError matching ``match``), and at ``factor``
    times it, where it must run. So what the call's check counts bounds what it holds, within ``factor``."""
    import tracemalloc

    from nnpartition import limits

    def check(call, factor, match="max_bytes"):
        tracemalloc.start()
        try:
            call()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        with limits.override(max_bytes=peak), pytest.raises(ValueError, match=match):
            call()
        with limits.override(max_bytes=int(factor * peak)):
            call()
        return peak

    return check
