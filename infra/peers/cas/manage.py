import os
import sys

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'casproj.settings')

# Set by the test harness: the server must not outlive the test process, even when that
# process is killed with SIGKILL and gets no chance to stop it.
parent_pid = os.environ.get('CAS_PARENT_PID')
if parent_pid and sys.platform.startswith('linux'):
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(parent_pid):  # the parent died before prctl took effect
        sys.exit(1)

from django.core.management import execute_from_command_line  # noqa: E402
from django.core.servers.basehttp import WSGIRequestHandler  # noqa: E402

# The handler writes headers and body separately; on a kept-alive connection Nagle's algorithm
# then holds the body until the client's delayed ACK, which adds ~40 ms to every request.
WSGIRequestHandler.disable_nagle_algorithm = True

execute_from_command_line(sys.argv)
