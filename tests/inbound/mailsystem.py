"""A real Postfix on loopback for the inbound tests: an instance of its own (own config, queue and
data directories under a temporary directory, ``inet_interfaces = loopback-only``, a free port)
whose reply domain goes to the hub's LMTP receiver (``virtual_transport = lmtp:inet:…``) and whose
``kommun.test`` is a local domain with no users, so mail there bounces with a real DSN.

Postfix must start as root (it drops to its ``postfix`` user), and that user must reach the
queue: the directory is made world-traversable, not under pytest's private ``/tmp/pytest-of-…``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPLY_DOMAIN = "svar.stafetten.test"
LOCAL_DOMAIN = "kommun.test"

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mx.stafetten.test
mydomain = stafetten.test
myorigin = $myhostname
mydestination = {local_domain}
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
virtual_mailbox_domains = {reply_domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}
relay_domains =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
smtputf8_enable = no
biff = no
message_size_limit = 40000000
queue_run_delay = 1s
minimal_backoff_time = 1s
maximum_backoff_time = 2s
default_destination_concurrency_limit = 20
lmtp_destination_concurrency_limit = 20
"""

MASTER_CF = """\
127.0.0.1:{smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def why_postfix_cannot_run() -> str | None:
    if shutil.which("postfix") is None or shutil.which("swaks") is None:
        return "Debian's postfix and swaks are not installed (./scripts/test installs them)"
    if os.geteuid() != 0:
        return "Postfix starts only as root"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "no postfix user"
    return None


@dataclass
class Postfix:
    root: Path
    smtp_port: int
    lmtp_port: int

    @property
    def config(self) -> Path:
        return self.root / "conf"

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def swaks(self, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess:
        """Deliver through this Postfix with swaks; ``data`` is the whole message."""
        command = ["swaks", "--server", f"127.0.0.1:{self.smtp_port}", "--silent", "2", *args]
        if data is not None:
            command += ["--data", "-"]
        # Debian's swaks with our own arguments.
        return subprocess.run(  # noqa: S603
            command, input=data, capture_output=True, timeout=60, check=False
        )


def _postfix(config: Path, action: str) -> subprocess.CompletedProcess:
    # postfix-script writes its errors to the terminal or syslog only; maillog_file has them.
    return subprocess.run(  # noqa: S603  (Debian's postfix, fixed arguments)
        ["postfix", "-c", str(config), action],  # noqa: S607  (on PATH: /usr/sbin)
        capture_output=True,
        timeout=60,
        check=False,
    )


@contextmanager
def running_postfix(lmtp_port: int) -> Iterator[Postfix]:
    root = Path(tempfile.mkdtemp(prefix="stafetten-postfix-"))
    root.chmod(0o755)  # the postfix user must reach its queue
    postfix = Postfix(root, free_port(), lmtp_port)
    for name in ("conf", "queue", "data"):
        (root / name).mkdir()
    owner = pwd.getpwnam("postfix")
    os.chown(root / "data", owner.pw_uid, owner.pw_gid)
    values = {"root": root, "local_domain": LOCAL_DOMAIN, "reply_domain": REPLY_DOMAIN,
              "lmtp_port": lmtp_port, "smtp_port": postfix.smtp_port}  # fmt: skip
    (postfix.config / "main.cf").write_text(MAIN_CF.format(**values))
    (postfix.config / "master.cf").write_text(MASTER_CF.format(**values))
    started = _postfix(postfix.config, "start")
    try:
        if started.returncode != 0:
            raise RuntimeError(f"postfix did not start: {postfix.log()[-2000:]}")
        wait_for(lambda: _accepts(postfix.smtp_port), what="Postfix's smtpd")
        yield postfix
    finally:
        _postfix(postfix.config, "stop")
        shutil.rmtree(root, ignore_errors=True)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(check: Callable[[], object], *, timeout: float = 180, what: str = "it") -> object:
    # Generous: on a loaded 2-core machine Postfix took over 30 s to turn three sends into three
    # bounces; a passing test returns as soon as the check holds, so only a real failure waits.
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.25)
