"""Set-up shared by every test file."""

import signal

# A shell starts a background job with SIGINT ignored, and a child process inherits an ignored signal: the children of
# the Ctrl-C tests (test_fuzz, test_cli, test_explore) then never see their SIGINT, and those tests fail for a reason
# that is not the code's. A handled signal is reset to the default in every child at exec, so handling it here makes
# those tests mean the same wherever pytest is started (found when a CI run was started with `... &`).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
