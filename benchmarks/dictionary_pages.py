"""Benchmark: the public dictionary pages under 20 concurrent clients, gunicorn and PostgreSQL.

    .venv/bin/python benchmarks/dictionary_pages.py [--clients 20] [--requests 4000] [--signed-in]
        [--no-cache] [--workers N] [--threads N] [--keep]

1. (Re)creates the PostgreSQL database ``ask4mdp_bench`` (``BENCH_DATABASE_URL`` to change it), builds
   its schema from the models, imports the full demo dictionary and adds 2,000 users in 300
   organisations.
2. Counts the SQL queries of each page in-process (Django's test client + CaptureQueriesContext),
   for a short and a long list, to show the count does not grow with the rows listed.
3. Starts gunicorn as deployed (``ask4mdp/gunicorn_conf.py``; ``--workers``/``--threads`` to try
   others) on a free port of 127.0.0.1 and has 20 client threads send a bounded number of requests
   (keep-alive ``http.client``) over the search page (queries and filters), register pages and
   variable pages: as anonymous visitors (the public's page cache), or with ``--signed-in`` as 20
   researchers with their own sessions (the same cached pages under their own page header).
4. Prints p50/p95 latency per page; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@localhost:5432/ask4mdp_bench")
SETTINGS = "benchmarks.dictionary_bench_settings"
ENV = {
    "DJANGO_SETTINGS_MODULE": SETTINGS,
    "DATABASE_URL": DATABASE_URL,
    "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "HTTPS": "false",
    "DEBUG": "false",
    "ASK4MDP_EMBEDDED": "false",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://localhost:6379/2"),
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "CONN_MAX_AGE": "60",
}
os.environ.update(ENV)


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load_data(users: int, organisations: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from ask4mdp.accounts.models import Affiliation, Organisation, User
    from dictionary.importer import import_dictionary
    from dictionary.models import Modality, Variable

    call_command("migrate", run_syncdb=True, verbosity=0)
    started = time.perf_counter()
    import_dictionary(ROOT / "fixtures" / "dictionary.yaml")
    import_seconds = time.perf_counter() - started
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Benchmark organisation {i:03d}",
                org_type="university",
                country="LU",
                authorisation_status="authorised",
            )
            for i in range(organisations)
        ]
    )
    password = make_password("benchmark passphrase")
    people = User.objects.bulk_create(
        [
            User(
                email=f"user{i:04d}@bench.example",
                full_name=f"User {i:04d}",
                password=password,
                is_active=True,
            )
            for i in range(users)
        ]
    )
    Affiliation.objects.bulk_create(
        [
            Affiliation(user=u, organisation=orgs[i % organisations], position="Researcher")
            for i, u in enumerate(people)
        ]
    )
    return {
        "variables": Variable.objects.count(),
        "modalities": Modality.objects.count(),
        "users": User.objects.count(),
        "organisations": Organisation.objects.count(),
        "dictionary_import_s": round(import_seconds, 2),
    }


def page_urls() -> dict[str, list[str]]:
    from dictionary.models import Register, Variable

    searches = [
        {},
        {"q": "nationality"},
        {"q": "wage"},
        {"q": "salaire"},
        {"padlock": 2},
        {"padlock": 1},
        {"domain": "social_protection"},
        {"register": "JOBS"},
        {"q": "age", "padlock": 1},
        {"domain": "labour_market", "page": 2},
        {"q": "date", "domain": "health"},
    ]
    return {
        "search": ["/dictionary/" + (f"?{urlencode(s)}" if s else "") for s in searches],
        "register": [r.get_absolute_url() for r in Register.objects.all()],
        # The longest pages (hundreds of countries, communes, postal codes) and 40 others at random.
        "variable": list(
            dict.fromkeys(
                [
                    "/dictionary/registers/SOCIO/I_nationality/",
                    "/dictionary/registers/SOCIO/I_zipcode/",
                    "/dictionary/registers/SOCIO/I_commune/",
                ]
                + [
                    v.get_absolute_url()
                    for v in Variable.objects.select_related("register").order_by("?")[:40]
                ]
            )
        ),
    }


def count_queries(urls: dict[str, list[str]], cookie: str | None) -> dict[str, dict]:
    """Queries and single-client time per page in-process, for every URL: a first (cold) pass that
    renders everything, then a second (warm) pass served from the cache. The spread of the cold
    counts over the URLs shows whether the count grows with the rows listed."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if cookie:
        name, _, value = cookie.partition("=")
        client.cookies[name] = value
    result = {}
    for page, paths in urls.items():
        figures = {}
        for label in ("cold", "warm"):
            counts, times = [], []
            for path in paths:
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                counts.append(len(ctx.captured_queries))
            figures[f"{label}_queries"] = [min(counts), max(counts)]
            figures[f"{label}_serial_p50_ms"] = round(statistics.median(times), 1)
        result[page] = figures
    return result


def gunicorn_shape(workers: int | None, threads: int | None) -> str:
    from ask4mdp import gunicorn_conf

    threads = threads or gunicorn_conf.threads
    return f"{workers or gunicorn_conf.workers} {gunicorn_conf.worker_class} workers" + (
        f" × {threads} threads" if threads > 1 else ""
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int | None, threads: int | None) -> subprocess.Popen:
    """The web process as deployed (``ask4mdp/gunicorn_conf.py``), on a free port of 127.0.0.1."""
    env = {**os.environ, **ENV, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "python:ask4mdp.gunicorn_conf", "ask4mdp.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the access log, written as in production
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited: {proc.stderr.read()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/dictionary/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def signed_in_cookies(clients: int) -> list[str]:
    """A session cookie for each client: ``clients`` researchers, signed in as by the login page."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group

    from ask4mdp.accounts.models import User
    from ask4mdp.accounts.roles import Role

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806 - a class
    researcher = Group.objects.get_or_create(name=str(Role.RESEARCHER))[0]
    cookies = []
    for user in User.objects.order_by("pk")[:clients]:
        user.groups.add(researcher)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def run_clients(
    port: int, urls: dict[str, list[str]], clients: int, total: int, cookies: list[str] | None = None
) -> tuple[dict, float, int]:
    """``clients`` threads share a bounded plan of ``total`` requests: 50 % search, 15 % register,
    35 % variable pages; anonymous, or each with its own session cookie."""
    rng = random.Random(2026)
    plan = []
    for _ in range(total):
        page = rng.choices(["search", "register", "variable"], weights=[50, 15, 35])[0]
        plan.append((page, rng.choice(urls[page])))
    lock = threading.Lock()
    timings: dict[str, list[float]] = {page: [] for page in urls}
    errors = []
    cursor = iter(plan)

    def worker(number: int):
        headers = {"Accept-Language": "en"}
        if cookies:
            headers["Cookie"] = cookies[number % len(cookies)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                break
            page, path = item
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = str(exc)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 200:
                    timings[page].append(elapsed)
                else:
                    errors.append((path, status))
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, time.perf_counter() - started, len(errors)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4000, help="requests in all, shared by the clients")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the ask4mdp_bench database afterwards")
    parser.add_argument("--no-cache", action="store_true", help="without the dictionary's page cache")
    parser.add_argument("--signed-in", action="store_true", help="each client a researcher with a session")
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: ask4mdp/gunicorn_conf.py)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn process (default: the same)")
    args = parser.parse_args()
    if args.no_cache:
        os.environ["BENCH_NO_CACHE"] = ENV["BENCH_NO_CACHE"] = "1"

    recreate_database()
    import django

    django.setup()
    volume = load_data(args.users, args.organisations)
    print(f"loaded: {volume}")
    urls = page_urls()
    cookies = signed_in_cookies(args.clients) if args.signed_in else None
    queries = count_queries(urls, cookies[0] if cookies else None)
    print(f"queries and serial times per page over {sum(len(u) for u in urls.values())} URLs: {queries}")

    from django.db import connections

    connections.close_all()
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads)
    try:
        # Warm-up: every URL once, so that the workers have loaded templates and opened connections.
        run_clients(port, dict(urls), clients=4, total=sum(len(v) for v in urls.values()), cookies=cookies)
        load_before = os.getloadavg()
        timings, seconds, errors = run_clients(port, urls, args.clients, args.requests, cookies)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.keep:
            connections.close_all()
            import psycopg

            parts = urlsplit(DATABASE_URL)
            with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')

    pages = {}
    print(
        f"\n{'page':<10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries cold/warm':>18} "
        f"{'1-client p50 cold/warm':>23}"
    )
    for page, values in timings.items():
        pages[page] = {
            "requests": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "max_ms": round(max(values), 1),
            **queries[page],
        }
        p = pages[page]
        cold, warm = p["cold_queries"], p["warm_queries"]
        print(
            f"{page:<10} {p['requests']:>8} {p['p50_ms']:>8} {p['p95_ms']:>8} {p['max_ms']:>8} "
            f"{cold[0]:>7}-{cold[1]:<2} / {warm[0]}-{warm[1]:<3} "
            f"{p['cold_serial_p50_ms']:>12} / {p['warm_serial_p50_ms']}"
        )
    total = sum(len(v) for v in timings.values())
    print(
        f"\n{total} requests in {seconds:.1f} s ({total / seconds:.0f} req/s), {errors} errors; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; {os.cpu_count()} CPUs"
    )
    print(
        json.dumps(
            {
                "benchmark": "dictionary_pages",
                "clients": args.clients,
                "visitors": "signed-in researchers" if args.signed_in else "anonymous",
                "cache": not args.no_cache,
                "gunicorn": gunicorn_shape(args.workers, args.threads),
                "volume": volume,
                "pages": pages,
                "requests": total,
                "errors": errors,
                "throughput_rps": round(total / seconds, 1),
                "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "goal": "p95 < 100 ms",
                "goal_met": all(p["p95_ms"] < 100 for p in pages.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
