#!/usr/bin/env python3
"""The driver of `make bench` (see bench/README.md).

bench/run.sh has built target/release/kefu with the `bench` feature and started
a private PostgreSQL; this script makes one fresh database per data size
(migrations, demo data, bench/sql/fortunes.sql, bench/sql/data/*.sql), starts
one app on each, signs in, warms up, and runs interleaved rounds with wrk at 64
connections: in each round every page (limit, baseline, each page of
bench/pages.tsv) is measured on both data sizes back to back, so that a page's
large ÷ demo and its ratio to the baseline compare runs taken seconds apart,
not minutes. It counts SQL statements per request with pg_stat_statements,
measures each app's peak memory at 256 connections, stops the apps, prints the
table and writes bench/RESULTS.md.
Standard library only.
"""
import copy
import datetime
import glob
import http.client
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
KEFU = os.path.join(ROOT, "target", "release", "kefu")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
LARGE_ROWS = int(os.environ.get("BENCH_LARGE_ROWS", "1000000"))
# The small size is the demo data with a thousand rows per data file: enough that
# every list page, first and deep, is full (50 rows) on both sizes, so large ÷ demo
# compares the same page over more data, not a longer page.
SIZES = [("demo", 1000), ("large", LARGE_ROWS)]  # each in a database kefu_bench_<size>
# A quick look at a few pages or one size (BENCH_PAGES=baseline,handbook_doc,
# BENCH_SIZES=demo) prints its table but leaves bench/RESULTS.md as it is.
ONLY_PAGES = [p for p in os.environ.get("BENCH_PAGES", "").split(",") if p]
ONLY_SIZES = [s for s in os.environ.get("BENCH_SIZES", "").split(",") if s]
PARTIAL = bool(ONLY_PAGES or ONLY_SIZES)
CONNECTIONS = 64
MEMORY_CONNECTIONS = 256
ROUNDS = 3
THREADS = 2
DB = "kefu_bench"
PASSWORD = "kefu-demo"

# Budgets of issue #7: minimum rate ÷ baseline per group, and the rest.
RATE_BUDGET = {"page": 0.7, "list": 0.5, "search": 0.3, "post": 0.25}
LIMIT_BUDGET = 0.8
P99_BUDGET = 3.0
P50_GROWTH_BUDGET = 1.5
STATEMENTS_BUDGET = 5
MEMORY_BUDGET_MIB = 64
# The app's own periodic jobs run a few statements a second during the runs,
# which adds about 0.1 per request here; tests/app/bench.rs counts exactly.
BACKGROUND = 0.2


def say(*args):
    print("bench:", *args, file=sys.stderr, flush=True)


class Page:
    def __init__(self, name, group, role, method, path, body="-", setup=None, after=None):
        self.name, self.group, self.role, self.method = name, group, role, method
        self.path_template, self.body, self.setup, self.after = path, body, setup, after
        self.path = path

    def __repr__(self):
        return self.name


def read_pages():
    pages = []
    with open(os.path.join(BENCH, "pages.tsv"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 5:
                sys.exit(f"bench/pages.tsv: too few fields in {line!r}")
            def opt(i):
                v = fields[i].strip() if len(fields) > i else ""
                return None if v in ("", "-") else v
            pages.append(Page(*fields[:5], body=opt(5) or "-", setup=opt(6), after=opt(7)))
    if ONLY_PAGES:
        unknown = set(ONLY_PAGES) - {p.name for p in pages} - {"baseline", "limit"}
        if unknown:
            sys.exit(f"BENCH_PAGES: no such page: {', '.join(sorted(unknown))}")
        pages = [p for p in pages if p.name in ONLY_PAGES]
    return pages


def pg_bin(name):
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    return name


def psql_bin():
    return pg_bin("psql")


# POST pages whose work also runs in PostgreSQL alone (pgbench, bench/sql/): the
# most that page could do on this machine, whatever the app. The second script
# files BATCH at once in set-based statements: the most any rewrite of the page
# could do (a batch can hold at most the CONNECTIONS requests in flight).
FLOORS = {"leave_post": ("filing.pgbench", "filing-batched.pgbench")}
BATCH = 64
BATCH_CLIENTS = 4


class Database:
    """One database of the cluster: `name`, or `postgres` for the cluster's own."""

    def __init__(self, server_url, name):
        u = urllib.parse.urlparse(server_url)
        self.host, self.port, self.user = u.hostname, u.port or 5432, u.username or "kefu"
        self.name = name
        self.psql = psql_bin()

    def url(self):
        return f"postgres://{self.user}@{self.host}:{self.port}/{self.name}"

    def run(self, sql=None, file=None, db=None, env=None):
        db = db or self.name
        cmd = [self.psql, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", self.host,
               "-p", str(self.port), "-U", self.user, "-d", db]
        cmd += ["-f", file] if file else ["-c", sql]
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def fresh(self, rows):
        """A new database: migrations, demo data, the fortunes and the bench data."""
        self.run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', db="postgres")
        self.run(f'CREATE DATABASE "{self.name}"', db="postgres")
        env = {**os.environ, "DATABASE_URL": self.url()}
        subprocess.run([KEFU, "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        self.run("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        self.run(file=os.path.join(BENCH, "sql", "fortunes.sql"))
        for f in sorted(glob.glob(os.path.join(BENCH, "sql", "data", "*.sql"))):
            t = time.time()
            self.run(file=f, env={"PGOPTIONS": f"-c kefu.bench_rows={rows}"})
            say(f"  {os.path.basename(f)}: {rows} rows in {time.time() - t:.0f} s")
        self.run("VACUUM ANALYZE")

    def pgbench(self, script, variables, connections=CONNECTIONS, seconds=SECONDS):
        """Transactions a second of `script` run by pgbench (prepared statements)."""
        cmd = [pg_bin("pgbench"), "-n", "-M", "prepared", "-c", str(connections),
               "-j", str(THREADS), "-T", str(seconds), "-h", self.host, "-p", str(self.port),
               "-U", self.user, "-f", script]
        for k, v in variables.items():
            cmd += ["-D", f"{k}={v}"]
        out = subprocess.run(cmd + [self.name], capture_output=True, text=True)
        m = re.search(r"^tps = ([0-9.]+)", out.stdout, re.M)
        failed = re.search(r"failed transactions: ([0-9]+)", out.stdout)
        if out.returncode != 0 or not m or (failed and failed.group(1) != "0"):
            raise RuntimeError(f"pgbench failed: {out.stderr.strip() or out.stdout.strip()}")
        return float(m.group(1))

    def reset_statements(self):
        self.run("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database "
                 f"WHERE datname = '{self.name}'), 0)")

    def statements(self):
        """Statements the app ran in the bench database since the last reset."""
        return int(self.run(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
            f"WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '{self.name}') "
            "AND query NOT LIKE '%pg_stat_statements%'") or 0)


class App:
    """target/release/kefu serve on a free port, stopped by stop()."""

    def __init__(self, db_url, size):
        self.log = open(os.path.join(ROOT, "var", f"bench-app-{size}.log"), "w")
        env = {**os.environ, "DATABASE_URL": db_url, "BIND": "127.0.0.1:0",
               "SESSION_KEY": secrets.token_hex(32), "RUST_LOG": os.environ.get("BENCH_LOG", "warn")}
        env.pop("BASE_URL", None)
        self.proc = subprocess.Popen([KEFU, "serve"], env=env, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        # Log lines come first (also on stdout); the address line says it serves.
        m = None
        for line in self.proc.stdout:
            self.log.write(line)
            m = re.search(r"kefu is serving on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                break
        if not m:
            self.stop()
            raise RuntimeError(f"the app did not start (see var/bench-app-{size}.log)")
        self.port = int(m.group(1))
        # Keep reading its output so that it never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.log.write(line)

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.stdout.close()

    def request(self, method, path, cookie=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        cookies = [h.split(";")[0] for h in r.msg.get_all("Set-Cookie") or []]
        c.close()
        return r.status, cookies, text


def csrf_in(html):
    for tag in re.findall(r"<input[^>]*>", html):
        if 'name="csrf_token"' in tag:
            m = re.search(r'value="([^"]+)"', tag)
            if m:
                return m.group(1)
    return None


def session_cookie(cookies, old):
    for c in cookies:
        if c.startswith("kefu_session=") or c.startswith("__Host-kefu_session="):
            return c
    return old


def sign_in(app, username):
    """A session cookie of `username` and its CSRF token."""
    status, cookies, html = app.request("GET", "/login")
    cookie = session_cookie(cookies, None)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "next": "/",
                                   "csrf_token": csrf_in(html) or ""})
    status, cookies, _ = app.request("POST", "/login", cookie, form)
    if status != 303:
        raise RuntimeError(f"sign-in as {username} answered {status}")
    cookie = session_cookie(cookies, cookie)
    _, _, html = app.request("GET", "/account/password", cookie)
    return cookie, csrf_in(html)


def wrk(app, method, path, cookie="", body="", connections=CONNECTIONS, seconds=SECONDS):
    cmd = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency",
           "-s", os.path.join(BENCH, "wrk.lua"), f"http://127.0.0.1:{app.port}",
           "--", method, path, cookie, body]
    out = subprocess.run(cmd, capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {out.stderr.strip() or out.stdout.strip()}")
    r = json.loads(lines[-1])
    r["rate"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


class Size:
    """One data size: its database, its app, its signed-in pages and their runs."""

    def __init__(self, server_url, size, rows):
        self.size, self.rows = size, rows
        self.db = Database(server_url, f"{DB}_{size}")
        self.app = None

    def start(self, pages):
        say(f"{self.size}: preparing the database ({self.rows} rows per data file)")
        self.db.fresh(self.rows)
        self.app = App(self.db.url(), self.size)
        self.sign_in(pages)

    def sign_in(self, pages):
        db, app, sessions = self.db, self.app, {}

        def session_of(page):
            # A POST gets a session of its own: its flash messages stay out of the others.
            key = (page.role, page.method == "POST")
            if key not in sessions:
                sessions[key] = sign_in(app, page.role)
            return sessions[key]

        baseline = Page("baseline", "baseline", "employee", "GET", "/bench/baseline")
        limit = Page("limit", "limit", "-", "GET", "/bench/limit")
        self.measured, self.skipped = [], []
        for page in pages:
            p = copy.copy(page)
            if p.setup:
                value = db.run(p.setup)
                if not value:
                    self.skipped.append((p, "its setup query found nothing"))
                    continue
                p.path = p.path_template.replace("{}", value)
            cookie, token = session_of(p)
            if p.method == "GET":
                status, _, _ = app.request("GET", p.path, cookie)
                if status == 404:
                    self.skipped.append((p, "404 (not merged yet?)"))
                    continue
                if status >= 400:
                    raise RuntimeError(f"{p.name}: GET {p.path} answered {status}")
            p.cookie = cookie
            p.body_sent = "-" if p.body == "-" else f"{p.body}&csrf_token={token}"
            self.measured.append(p)
        baseline.cookie, _ = session_of(baseline)
        baseline.body_sent = limit.body_sent = "-"
        limit.cookie = ""
        self.pages = {p.name: p for p in [limit, baseline] + self.measured}
        self.runs = {name: [] for name in self.pages}

    def run(self, name, record=True, **kw):
        p = self.pages[name]
        if record:
            self.db.reset_statements()
        res = wrk(self.app, p.method, p.path, p.cookie, p.body_sent, **kw)
        if record:
            res["statements"] = self.db.statements() / max(1, res["requests"])
            self.runs[name].append(res)
        if p.after:
            # Requests still in flight when wrk stopped finish first.
            time.sleep(0.5)
            self.db.run(p.after)

    def stop(self):
        if self.app:
            self.app.stop()


def measure(sizes, pages):
    """Warm-up, the interleaved rounds, and the memory runs, over all sizes at once."""
    for s in sizes:
        s.start(pages)
    names = list(dict.fromkeys(n for s in sizes for n in s.pages))
    say("warming up")
    for name in names:
        for s in sizes:
            if name in s.pages:
                s.run(name, record=False, seconds=max(1, min(3, SECONDS)))
    for r in range(ROUNDS):
        say(f"round {r + 1} of {ROUNDS}")
        # Each page on every size back to back; which size goes first alternates.
        order = sizes if r % 2 == 0 else sizes[::-1]
        for name in names:
            for s in order:
                if name in s.pages:
                    s.run(name)
    for s in sizes:
        say(f"{s.size}: peak memory at {MEMORY_CONNECTIONS} connections")
        for name in names:
            if name != "limit" and name in s.pages:
                s.run(name, record=False, connections=MEMORY_CONNECTIONS,
                      seconds=max(1, min(5, SECONDS)))
        s.memory = s.app.peak_rss_mib()
    for s in sizes:
        s.floors = {}
        for p in s.measured:
            if p.name in FLOORS:
                say(f"{s.size}: {p.name}'s work in PostgreSQL alone (pgbench)")
                requester = s.db.run(f"SELECT id FROM users WHERE username = '{p.role}'")
                approver = s.db.run(
                    "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id "
                    "WHERE r.role_code = 'center_manager' AND u.active ORDER BY u.id LIMIT 1")
                single, batched = FLOORS[p.name]
                people = {"requester": requester, "approver": approver}
                s.floors[p.name] = {
                    "single": s.db.pgbench(os.path.join(BENCH, "sql", single), people),
                    "batched": BATCH * s.db.pgbench(os.path.join(BENCH, "sql", batched),
                                                    {**people, "k": BATCH},
                                                    connections=BATCH_CLIENTS),
                }
    return {s.size: {"pages": s.measured, "skipped": s.skipped, "runs": s.runs,
                     "memory": s.memory, "floors": s.floors} for s in sizes}


def ratios(runs, name, base="baseline"):
    rate = statistics.median(a["rate"] / b["rate"] for a, b in zip(runs[name], runs[base]))
    p99 = statistics.median(a["p99_us"] / b["p99_us"] for a, b in zip(runs[name], runs[base]))
    return rate, p99


def verdict(ok):
    return "ok" if ok else "**MISSED**"


def report(results, pages):
    lines, missed = [], []
    lines.append("| page | group | data | rate ÷ baseline | budget | p99 ÷ baseline p99 "
                 "| req/s | p50 ms | p99 ms | SQL/request | errors | verdict |")
    lines.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for size, res in results.items():
        runs = res["runs"]
        rate, p99 = ratios(runs, "baseline", "limit")
        rows = [("baseline", "÷ limit", rate, LIMIT_BUDGET, None)]
        for p in res["pages"]:
            rate, p99 = ratios(runs, p.name)
            rows.append((p.name, p.group, rate, RATE_BUDGET.get(p.group, 0), p99))
        rows.append(("limit", "limit", 1.0, None, None))
        for name, group, rate, budget, p99 in rows:
            rr = runs[name]
            errors = sum(r["errors"] for r in rr)
            stmts = statistics.median(r["statements"] for r in rr)
            checks = [errors == 0]
            if budget is not None:
                checks.append(rate >= budget)
            if p99 is not None:
                checks.append(p99 <= P99_BUDGET)
            if name != "limit":
                checks.append(stmts <= STATEMENTS_BUDGET + BACKGROUND)
            ok = all(checks)
            if not ok:
                missed.append(f"{name} ({size})")
            lines.append(
                f"| {name} | {group} | {size} | {rate:.2f} | "
                f"{'' if budget is None else '≥ %.2f' % budget} | "
                f"{'' if p99 is None else '%.2f' % p99} | "
                f"{statistics.median(r['rate'] for r in rr):.0f} | "
                f"{statistics.median(r['p50_us'] for r in rr) / 1000:.2f} | "
                f"{statistics.median(r['p99_us'] for r in rr) / 1000:.2f} | "
                f"{'' if name == 'limit' else '%.1f' % stmts} | {errors} | {verdict(ok)} |")
    extra = []
    if "demo" in results and "large" in results:
        for p in results["large"]["pages"]:
            d = results["demo"]["runs"].get(p.name)
            if not d:
                continue
            # Paired by round: the two sizes ran back to back.
            growth = statistics.median(
                lg["p50_us"] / dm["p50_us"] for lg, dm in zip(results["large"]["runs"][p.name], d))
            sd = statistics.median(r["statements"] for r in d)
            sl = statistics.median(r["statements"] for r in results["large"]["runs"][p.name])
            ok = (growth <= P50_GROWTH_BUDGET or p.group != "list") and sl <= sd + BACKGROUND
            if not ok:
                missed.append(f"{p.name} (large ÷ demo)")
            extra.append(f"| {p.name} | {p.group} | {growth:.2f} | "
                         f"{'≤ 1.5' if p.group == 'list' else '(lists only)'} | "
                         f"{sd:.1f} → {sl:.1f} | {verdict(ok)} |")
    out = ["## Pages (median of %d rounds, %d connections, %d s per run)" % (ROUNDS, CONNECTIONS, SECONDS),
           "", *lines, ""]
    if extra:
        out += ["## Large data ÷ demo data (each round's two runs side by side)", "",
                "| page | group | p50 large ÷ demo | budget | SQL/request demo → large | verdict |",
                "| --- | --- | ---: | --- | --- | --- |", *extra, ""]
    floors = [(size, name, tps, res["runs"]) for size, res in results.items()
              for name, tps in res["floors"].items()]
    if floors:
        out += ["## POST pages against PostgreSQL alone", "",
                "The page's statements run by pgbench straight in PostgreSQL (bench/sql/: the "
                "same statements, no app, no HTTP), %d clients, %d s, "
                "after the rounds: the most the page could do on this machine. *Batched*: the "
                "same work for %d filings at once in set-based statements, %d clients "
                "(bench/sql/filing-batched.pgbench), in filings a second: the most any rewrite "
                "of the page could do, with no CPU left for the app. The baseline is "
                "the median of its rounds." % (CONNECTIONS, SECONDS, BATCH, BATCH_CLIENTS), "",
                "| page | data | PostgreSQL alone /s | ÷ baseline | batched /s | ÷ baseline "
                "| page req/s | page ÷ PostgreSQL alone |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for size, name, tps, runs in floors:
            base = statistics.median(r["rate"] for r in runs["baseline"])
            page = statistics.median(r["rate"] for r in runs[name])
            single, batched = tps["single"], tps["batched"]
            out.append(f"| {name} | {size} | {single:.0f} | {single / base:.2f} | {batched:.0f} "
                       f"| {batched / base:.2f} | {page:.0f} | {page / single:.2f} |")
        out.append("")
    out += ["## Peak memory of the app (VmHWM after the runs at %d connections)" % MEMORY_CONNECTIONS, "",
            "| data | MiB | budget | verdict |", "| --- | ---: | --- | --- |"]
    for size, res in results.items():
        ok = res["memory"] <= MEMORY_BUDGET_MIB
        if not ok:
            missed.append(f"memory ({size})")
        out.append(f"| {size} | {res['memory']:.1f} | ≤ {MEMORY_BUDGET_MIB} | {verdict(ok)} |")
    out.append("")
    skipped = {(p.name, why) for res in results.values() for p, why in res["skipped"]}
    if skipped:
        out += ["Skipped: " + "; ".join(f"{n}: {w}" for n, w in sorted(skipped)), ""]
    out.append("Budgets missed: " + (", ".join(missed) if missed else "none"))
    return "\n".join(out), missed


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} CPUs, {mem} MiB RAM, Linux {platform.release()}"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench/run.py POSTGRES_SERVER_URL")
    pages = read_pages()
    unknown = set(ONLY_SIZES) - {size for size, _ in SIZES}
    if unknown:
        sys.exit(f"BENCH_SIZES: no such size: {', '.join(sorted(unknown))} (demo, large)")
    sizes = [Size(sys.argv[1], size, rows) for size, rows in SIZES
             if not ONLY_SIZES or size in ONLY_SIZES]
    try:
        results = measure(sizes, pages)
    finally:
        for s in sizes:
            s.stop()
    db = sizes[0].db
    table, missed = report(results, pages)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"# Benchmark results\n\n{when} on {machine()}; PostgreSQL "
            f"{db.run('SHOW server_version', db='postgres')}; `make bench` with BENCH_SECONDS={SECONDS}, "
            f"large data {LARGE_ROWS} rows per data file.\n")
    note = os.environ.get("BENCH_NOTE")
    text = head + ("\n" + note + "\n" if note else "") + "\n" + table + "\n"
    print(text)
    if PARTIAL:
        say("a partial run (BENCH_PAGES or BENCH_SIZES): bench/RESULTS.md left as it is")
        return
    with open(os.path.join(BENCH, "RESULTS.md"), "w", encoding="utf-8") as f:
        f.write(text)
    say("table written to bench/RESULTS.md")


if __name__ == "__main__":
    main()
