"""Serve MTB as deployed and measure its pages from separate load processes over loopback.

The server is ``python -m mtb.serve`` (gunicorn, 2 sync workers, and the scheduler
beside it, as `make run` and a deployment start it) on a free loopback port, with
MTB_DATABASE_URL and MTB_INSTANCE_PATH pointing at the benchmark database. Each load
client is its own process: it logs in once through the real login form (CSRF token,
session cookie), then for each page runs a closed loop (one request at a time, a new
connection each, as gunicorn's sync workers close it) for a fixed time after a short
warm-up, all clients together. Times are taken from connect to the last byte.

    python -m benchmarks.load --meta META.json --database-url URL [--seconds 5] [--concurrency 4]

This module imports nothing from the app at the top: the client processes start light.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode
from datetime import UTC

USER_AGENT = "mtb-bench/1"
HOST = "127.0.0.1"


# --- HTTP over a raw socket (the client side stays cheap) -------------------------------


class Client:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request_bytes(self, method: str, path: str, body: bytes = b"", content_type: str | None = None) -> bytes:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"User-Agent: {USER_AGENT}",
            "Accept: */*",
            "Accept-Language: en",
            "Connection: close",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Type: {content_type or 'application/x-www-form-urlencoded'}")
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def send(self, raw: bytes) -> tuple[int, bytes, bytes]:
        """One request on a new connection; (status, head, body). Cookies set are kept."""
        with socket.create_connection((self.host, self.port), timeout=120) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(raw)
            chunks = []
            while True:
                data = sock.recv(262144)
                if not data:
                    break
                chunks.append(data)
        data = b"".join(chunks)
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head[9:12]) if head[:5] == b"HTTP/" else 0
        if b"et-Cookie" in head or b"et-cookie" in head:
            self._keep_cookies(head)
        if b"ransfer-Encoding: chunked" in head or b"ransfer-encoding: chunked" in head:
            body = _unchunk(body)
        return status, head, body

    def _keep_cookies(self, head: bytes) -> None:
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() != b"set-cookie":
                continue
            pair = value.decode("latin-1").strip().split(";", 1)[0]
            key, _, val = pair.partition("=")
            expired = re.search(r"(?i)expires=[^;]*1970|max-age=0\b", value.decode("latin-1"))
            if expired or val == "":
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = val

    def get(self, path: str) -> tuple[int, bytes, bytes]:
        return self.send(self.request_bytes("GET", path))

    def login(self, email: str, password: str) -> None:
        status, _, body = self.get("/login")
        if status != 200:
            raise RuntimeError(f"GET /login answered {status}")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            rb'value="([^"]+)"[^>]*name="csrf_token"', body
        )
        if not match:
            raise RuntimeError("no CSRF token in the login form")
        form = urlencode({"csrf_token": match.group(1).decode(), "email": email, "password": password}).encode()
        status, head, _ = self.send(self.request_bytes("POST", "/login", form))
        if status not in (302, 303):
            raise RuntimeError(f"login refused (HTTP {status}); throttled or wrong password?")


def _unchunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def _content_type(head: bytes) -> str:
    match = re.search(rb"(?im)^content-type:\s*([^\r\n;]+)", head)
    return match.group(1).decode() if match else ""


# --- a load client process ---------------------------------------------------------------


def client_main(index: int, host: str, port: int, email: str, password: str, conn) -> None:
    """Log in once, then run each page the coordinator sends until told to stop (a page
    fetched as another user logs in as them first, once, before its start)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sessions = {email: Client(host, port)}
    try:
        started = time.perf_counter()
        sessions[email].login(email, password)
        conn.send(("ready", index, (time.perf_counter() - started) * 1000))
    except Exception as error:  # reported by the coordinator
        conn.send(("error", index, f"{type(error).__name__}: {error}"))
        return
    while True:
        message = conn.recv()
        if message[0] == "stop":
            return
        _, path, start_at, warmup, seconds, login = message
        if login not in sessions:
            sessions[login] = Client(host, port)
            sessions[login].login(login, password)
        client = sessions[login]
        raw = client.request_bytes("GET", path)
        cookies = dict(client.cookies)
        measure_from, until = start_at + warmup, start_at + warmup + seconds
        latencies, statuses, sizes, types = [], {}, [], {}
        while time.time() < start_at:
            time.sleep(0.001)
        while True:
            begin = time.time()
            if begin >= until:
                break
            t0 = time.perf_counter()
            try:
                status, head, body = client.send(raw)
            except OSError as error:
                status, head, body = -1, b"", str(error).encode()
            elapsed = (time.perf_counter() - t0) * 1000
            if client.cookies != cookies:  # the session cookie was refreshed
                raw, cookies = client.request_bytes("GET", path), dict(client.cookies)
            if begin < measure_from:
                continue
            latencies.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1
            sizes.append(len(body))
            kind = _content_type(head)
            types[kind] = types.get(kind, 0) + 1
        conn.send(("done", index, latencies, statuses, sizes, types))


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def memory_mb(pid: int) -> dict[str, float]:
    """Resident and peak resident memory of a process, from /proc (MB)."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, amount = line.split(":", 1)
                    values[key] = int(amount.split()[0]) / 1024
    except OSError:
        pass
    return {"rss_mb": round(values.get("VmRSS", 0.0), 1), "peak_mb": round(values.get("VmHWM", 0.0), 1)}


class Server:
    """``python -m mtb.serve`` in its own session (process group), output to a log file."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2, scheduler: bool = True, root: Path | None = None):
        self.port = free_port()
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "mtb.serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        if not scheduler:
            command.append("--no-scheduler")
        self.log = open(log_path, "w")
        env = dict(env, MTB_PORT=str(self.port), MTB_BASE_URL=f"http://{HOST}:{self.port}", PYTHONUNBUFFERED="1")
        self.started = time.time()
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 120) -> float:
        deadline = time.time() + timeout
        client = Client(HOST, self.port)
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if client.get("/healthz")[0] == 200:
                    return time.time() - self.started
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def processes(self) -> dict[str, list[int]]:
        """The gunicorn workers and the scheduler, found under the serve process."""
        workers, schedulers, masters = [], [], []
        for child in _children(self.process.pid):
            line = _cmdline(child)
            if "gunicorn" in line:
                masters.append(child)
                workers.extend(_children(child))
            elif "scheduler" in line:
                schedulers.append(child)
        return {"masters": masters, "workers": workers, "schedulers": schedulers}

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Anything of ours still alive in the group (a worker that ignored the TERM).
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()


def scan_log(path: Path) -> dict:
    """What the server and scheduler logged that an IT team would look at."""
    text = path.read_text(errors="replace") if path.exists() else ""
    lines = text.splitlines()
    locked = [line for line in lines if "database is locked" in line]
    tracebacks = sum(1 for line in lines if line.startswith("Traceback"))
    errors = [line for line in lines if " ERROR " in line or line.startswith("ERROR") or "[ERROR]" in line]
    statuses = {}
    for line in lines:
        match = re.search(r'"GET [^"]*" (\d{3}) ', line)
        if match:
            statuses[match.group(1)] = statuses.get(match.group(1), 0) + 1
    return {
        "database_is_locked": len(locked),
        "tracebacks": tracebacks,
        "error_lines": len(errors),
        "examples": (locked + errors)[:5],
        "access_log_statuses": statuses,
        "log": str(path),
    }


# --- statistics -----------------------------------------------------------------------------


def loadavg() -> float | None:
    """The machine's 1-minute load average: above the CPU count, other work competed with the run."""
    try:
        with open("/proc/loadavg") as handle:
            return float(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _busy_ticks() -> int:
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...: everything but idle and iowait
    return sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)


def _process_ticks(pids) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            pass
    return total


class CpuWatch:
    """Share of the machine's CPUs that processes other than the benchmark's used meanwhile
    (other people's tests on a shared machine inflate the figures)."""

    def __init__(self, pids, names: tuple[str, ...] = (), database: str | None = None):
        self.pids, self.names, self.database = list(pids), names, database
        self.wall, self.busy, self.ours = time.time(), _busy_ticks(), self._ours()

    def _ours(self) -> int:
        pids = set(self.pids)
        if self.names:  # the database server's processes work for the benchmark too
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/comm") as handle:
                            if handle.read().strip() not in self.names:
                                continue
                        # Only the backends serving the benchmark's database ("postgres: 15/main: user db ...").
                        if self.database and f" {self.database} " not in _cmdline(int(entry)):
                            continue
                        pids.add(int(entry))
                    except OSError:
                        pass
        return _process_ticks(pids)

    def others_share(self) -> float | None:
        wall = time.time() - self.wall
        ticks = os.sysconf("SC_CLK_TCK")
        if wall <= 0:
            return None
        others = (_busy_ticks() - self.busy) - (self._ours() - self.ours)
        return round(max(0.0, others / ticks / (wall * (os.cpu_count() or 1))), 3)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summarise(page, seconds: float, answers: list[tuple]) -> dict:
    latencies = sorted(x for a in answers for x in a[2])
    statuses: dict[str, int] = {}
    types: dict[str, int] = {}
    sizes = sorted(s for a in answers for s in a[4])
    for a in answers:
        for status, n in a[3].items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
        for kind, n in a[5].items():
            types[kind] = types.get(kind, 0) + n
    ok = statuses.get("200", 0)
    wrong_type = sum(n for kind, n in types.items() if not kind.startswith(page.content_type))
    return {
        "key": page.key,
        "label": page.label,
        "path": page.path,
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "rps": round(len(latencies) / seconds, 1),
        "statuses": statuses,
        "errors": len(latencies) - ok,
        "wrong_content_type": wrong_type,
        "kb": round(percentile(sizes, 0.5) / 1024, 1) if sizes else None,
    }


# --- the whole load test ---------------------------------------------------------------------


def wait_for_scheduler(url: str, server: Server, timeout: float = 90) -> float | None:
    """Seconds until the scheduler has started and its start-up runs are over: its banner is
    in the log and no job run claimed since the server started is unfinished for 2 s in a
    row. None when that was not seen within ``timeout`` (or there is no job_runs table)."""
    from datetime import datetime

    import sqlalchemy as sa

    since = datetime.fromtimestamp(server.started - 5, UTC).replace(tzinfo=None)
    engine = sa.create_engine(url)
    began = time.time()
    quiet_since = None
    try:
        while time.time() - began < timeout:
            time.sleep(0.5)
            server.log.flush()
            if "scheduler running" not in server.log_path.read_text(errors="replace"):
                continue
            try:
                with engine.connect() as conn:
                    busy = conn.execute(
                        sa.text(
                            "SELECT COUNT(*) FROM job_runs WHERE claimed_at >= :since AND finished_at IS NULL"
                        ).bindparams(sa.bindparam("since", since, type_=sa.DateTime()))
                    ).scalar()
            except sa.exc.DBAPIError:
                return None
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.time()
            elif time.time() - quiet_since >= 2:
                return time.time() - began
        return None
    finally:
        engine.dispose()


def run_load(
    url: str,
    env: dict,
    pages: list,
    *,
    email: str,
    password: str,
    concurrency: int = 4,
    seconds: float = 5.0,
    warmup: float = 1.0,
    workers: int = 2,
    scheduler: bool = True,
    log_path: Path,
    root: Path | None = None,
    log=print,
) -> dict:
    server = Server(env, log_path, workers=workers, scheduler=scheduler, root=root)
    context = multiprocessing.get_context("spawn")
    pipes, clients = [], []
    results = {"pages": [], "server": {}}
    try:
        ready_after = server.wait_ready()
        log(f"  server up on port {server.port} after {ready_after:.1f} s")
        waited = wait_for_scheduler(url, server) if scheduler else None
        if scheduler:
            log(
                "  scheduler start-up jobs "
                + (f"done after {waited:.1f} s" if waited is not None else "not seen finishing")
            )
        for index in range(concurrency):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=client_main, args=(index, HOST, server.port, email, password, theirs), daemon=True
            )
            process.start()
            pipes.append(ours)
            clients.append(process)
        logins = []
        for pipe in pipes:
            if not pipe.poll(120):
                raise RuntimeError("a load client did not log in within 120 s")
            message = pipe.recv()
            if message[0] == "error":
                raise RuntimeError(f"load client {message[1]} could not log in: {message[2]}")
            logins.append(message[2])
        log(f"  {concurrency} clients logged in (login {min(logins):.0f}-{max(logins):.0f} ms)")
        found = server.processes()
        ours = [
            server.process.pid,
            *found["masters"],
            *found["workers"],
            *found["schedulers"],
            *(p.pid for p in clients),
        ]
        names = ("postgres",) if url.startswith("postgres") else ()
        database = url.rsplit("/", 1)[-1].split("?", 1)[0] if names else None
        whole_run = CpuWatch(ours, names, database)
        for page in pages:
            watch = CpuWatch(ours, names, database)
            start_at = time.time() + 0.2
            for pipe in pipes:
                pipe.send(("run", page.path, start_at, warmup, seconds, page.login or email))
            answers = []
            for pipe in pipes:
                if not pipe.poll(warmup + seconds + 180):
                    raise RuntimeError(f"a load client did not finish {page.path}")
                answers.append(pipe.recv())
            summary = summarise(page, seconds, answers)
            summary["loadavg_1m"] = loadavg()
            summary["others_cpu_share"] = watch.others_share()
            results["pages"].append(summary)
            flag = f"  ERRORS {summary['statuses']}" if summary["errors"] else ""
            log(
                f"  {page.label:<38} p50 {summary['p50_ms']:8.1f}  p95 {summary['p95_ms']:8.1f}  "
                f"p99 {summary['p99_ms']:8.1f} ms  {summary['rps']:8.1f} req/s{flag}"
            )
        found = server.processes()
        results["server"] = {
            "port": server.port,
            "ready_after_s": round(ready_after, 1),
            "scheduler_startup_s": round(waited, 1) if waited is not None else None,
            "workers": [dict(pid=pid, **memory_mb(pid)) for pid in found["workers"]],
            "scheduler": [dict(pid=pid, **memory_mb(pid)) for pid in found["schedulers"]],
            "master": [dict(pid=pid, **memory_mb(pid)) for pid in found["masters"]],
            "login_ms": [round(x, 1) for x in logins],
            "others_cpu_share": whole_run.others_share(),
        }
    finally:
        for pipe in pipes:
            try:
                pipe.send(("stop",))
            except (OSError, BrokenPipeError):
                pass
        for process in clients:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        server.stop()
    results["server"]["log"] = scan_log(log_path)
    return results


def count_statements(url: str, pages: list, email: str, password: str) -> dict:
    """Each page once in-process (the app's test client, logged in as the load clients are),
    after a warm-up request: SQL statements, status, size and time of that one request."""
    import sqlalchemy as sa

    from benchmarks.common import make_app

    app = make_app(url, WTF_CSRF_ENABLED=False)
    from mtb.extensions import db

    clients = {}

    def client_of(login: str):
        if login not in clients:
            clients[login] = app.test_client()
            response = clients[login].post("/login", data={"email": login, "password": password})
            if response.status_code not in (302, 303):
                raise RuntimeError(f"in-process login refused ({response.status_code})")
        return clients[login]

    client_of(email)
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    counts = {}
    for page in pages:
        client = client_of(page.login or email)
        client.get(page.path)
        seen.clear()
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            started = time.perf_counter()
            response = client.get(page.path)
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
        counts[page.key] = {
            "statements": len(seen),
            "status": response.status_code,
            "kb": round(len(response.data) / 1024, 1),
            "in_process_ms": round(elapsed, 1),
            "selects": sum(1 for s in seen if s.lstrip().upper().startswith("SELECT")),
            "writes": sum(1 for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))),
        }
    with app.app_context():
        db.engine.dispose()
    return counts


def main(argv=None) -> int:
    from benchmarks import pages as catalogue
    from benchmarks.common import BENCH_PASSWORD, ensure_data_dir, server_env

    parser = argparse.ArgumentParser(description="Load-test a generated MTB database (see benchmarks/run.py).")
    parser.add_argument("--meta", required=True, help="JSON written by benchmarks.dataset --meta")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--no-scheduler", action="store_true")
    args = parser.parse_args(argv)
    meta = json.loads(Path(args.meta).read_text())
    pages = catalogue.pages_for(meta)
    result = run_load(
        args.database_url,
        server_env(args.database_url),
        pages,
        email=meta["login_email"],
        password=BENCH_PASSWORD,
        concurrency=args.concurrency,
        seconds=args.seconds,
        scheduler=not args.no_scheduler,
        log_path=ensure_data_dir() / "server.log",
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
