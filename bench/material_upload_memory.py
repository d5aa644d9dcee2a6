"""The worker's memory while a member uploads a 500 MB film (issue #19: under 100 MB).

    .venv/bin/python bench/material_upload_memory.py [--mb 500]

Makes a real MP4 with Debian's ffmpeg and pads it to the size with an MP4 ``free`` box (a valid
file), serves the hub with ``gunicorn -w 1 -k sync`` on 127.0.0.1 with a fresh SQLite database,
signs in, streams the upload from disk through the share form, and samples the worker's memory
every 50 ms from /proc/<pid>/smaps_rollup: RSS (resident, shared pages counted in full), PSS
(shared pages divided among the processes sharing them) and USS (pages only this worker has:
what one more worker costs). Prints each before and at its peak during the upload, and the
answer; exits 1 unless the upload raised the worker's USS by less than 100 MB. With
``--preload`` gunicorn loads the app in the master before forking, as production should.
Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
FORM_TYPE = "application/x-www-form-urlencoded"
EMAIL = "bench@laholm.se"
PASSWORD = "ett-langt-bench-losenord"  # noqa: S105  (a throwaway account in a throwaway database)


def make_film(target: Path, megabytes: int) -> None:
    subprocess.run(
        [shutil.which("ffmpeg") or "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=duration=2:size=320x240:rate=10", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-movflags", "+faststart", str(target)],
        check=True,
    )  # fmt: skip
    box = megabytes * 1024 * 1024 - target.stat().st_size  # one "free" box fills the rest
    with target.open("ab") as film:
        film.write(box.to_bytes(4, "big") + b"free")
        left = box - 8
        chunk = b"\0" * (1024 * 1024)
        while left > 0:
            film.write(chunk[: min(left, len(chunk))])
            left -= min(left, len(chunk))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def prepare_database(env: dict[str, str]) -> None:
    subprocess.run([VENV_BIN / "flask", "--app", "wsgi", "db", "upgrade"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    script = (
        "from wsgi import app\n"
        "from hub.extensions import db\n"
        "from hub.auth.models import User\n"
        "from hub.auth.passwords import hash_password\n"
        "from hub.core.db import utcnow\n"
        "with app.app_context():\n"
        f"    db.session.add(User(email={EMAIL!r}, name='Bench', role='member',"
        f" password_hash=hash_password({PASSWORD!r}), email_confirmed_at=utcnow(),"
        " municipality_code='1381'))\n"
        "    db.session.commit()\n"
    )
    subprocess.run([VENV_BIN / "python", "-c", script], env=env, check=True, cwd=ROOT)


class Session:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None, length=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if length is not None:
            headers["Content-Length"] = str(length)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, data.decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        _response, html = self.request("GET", path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class MultipartBody:
    """The form's fields, then the film streamed from disk: never whole in this process either."""

    def __init__(self, fields: dict[str, str], film: Path, boundary: str) -> None:
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{film.name}"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        self.parts = [head, film, f"\r\n--{boundary}--\r\n".encode()]
        self.length = len(head) + film.stat().st_size + len(self.parts[2])

    def __iter__(self):
        yield self.parts[0]
        with self.parts[1].open("rb") as film:
            while chunk := film.read(256 * 1024):
                yield chunk
        yield self.parts[2]


def memory_kb(pid: int) -> dict[str, int]:
    """RSS, PSS and USS (private clean + private dirty) of the process, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split()[:2]
        fields[name.rstrip(":")] = int(value)
    uss = fields["Private_Clean"] + fields["Private_Dirty"]
    return {"RSS": fields["Rss"], "PSS": fields["Pss"], "USS": uss}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        film = work / "stor-film.mp4"
        make_film(film, args.mb)
        env = {**os.environ, "HUB_ENV": "development", "PYTHONPATH": str(ROOT),
               "HUB_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
               "HUB_MATERIAL_STORAGE_DIR": str(work / "material")}  # fmt: skip
        prepare_database(env)
        port = free_port()
        preload = ["--preload"] if args.preload else []
        server = subprocess.Popen(
            [VENV_BIN / "gunicorn", "-w", "1", "-k", "sync", "--timeout", "600", *preload,
             "-b", f"{HOST}:{port}", "wsgi:app"],
            env=env, cwd=ROOT, stderr=None if os.environ.get("BENCH_DEBUG") else subprocess.DEVNULL,
        )  # fmt: skip
        try:
            run(server, port, film)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def run(server: subprocess.Popen, port: int, film: Path) -> None:
    session = Session(port)
    for _ in range(100):
        try:
            session.request("GET", "/healthz")
            break
        except OSError:
            time.sleep(0.2)
    token = session.csrf("/logga-in")
    form = urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    session.request("POST", "/logga-in", form, {"Content-Type": FORM_TYPE})
    worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
    session.request("GET", "/material")  # a first page: imports and templates are warm
    fields = {"csrf_token": session.csrf("/material/ny"), "kind": "film", "title": "Stor film",
              "summary": "En film på 500 MB.", "source_kind": "member", "licence": "cc-by",
              "language": "sv"}  # fmt: skip
    before = memory_kb(worker)
    samples = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(memory_kb(worker))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    boundary = "stafetten-bench-boundary"
    body = MultipartBody(fields, film, boundary)
    started = time.monotonic()
    response, _html = session.request(
        "POST", "/material/ny", iter(body),
        {"Content-Type": f"multipart/form-data; boundary={boundary}"}, length=body.length,
    )  # fmt: skip
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    size = body.length / 1024 / 1024
    location = response.getheader("Location")
    print(f"Uppladdning: {size:.0f} MB på {seconds:.1f} s, svar {response.status} {location}")
    peak = {kind: max(s[kind] for s in samples) for kind in before}
    for kind in ("RSS", "PSS", "USS"):
        grew = (peak[kind] - before[kind]) / 1024
        print(f"Arbetarens {kind}: före {before[kind] / 1024:.1f} MB, högst under uppladdningen "
              f"{peak[kind] / 1024:.1f} MB, ökning {grew:.1f} MB")  # fmt: skip
    mode = "--preload" if preload_used(server.pid) else "utan --preload"
    print(f"({len(samples)} mätningar, gunicorn {mode})")
    # What the upload costs the worker; the worker's size before it is the app's own (its
    # imports and data), the same for every request.
    grew = peak["USS"] - before["USS"]
    sys.exit(0 if response.status == 303 and grew < 100 * 1024 else 1)


def preload_used(master: int) -> bool:
    return "--preload" in Path(f"/proc/{master}/cmdline").read_text()


if __name__ == "__main__":
    main()
