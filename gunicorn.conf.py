"""Gunicorn settings for both deployments; every value can be overridden by PEPPER_*."""

import gc
import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("PEPPER_BIND", "127.0.0.1:8000")
# One process per CPU this process may run on, and never fewer than two (one restarting
# or stuck leaves the other). gunicorn's "2 x CPUs + 1" is for sync workers, whose
# processes sit waiting on I/O; a process here has threads for that, and Python runs one
# of them at a time, so one CPU is what a process can use. More processes than CPUs only
# contend: on two CPUs, five made every call cost more CPU than two did, and in the same
# run two answered more calls, sooner (bench.twilio_load, BENCHMARKS.md). The cluster
# run used two per instance throughout.
_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
workers = int(os.environ.get("PEPPER_WORKERS", str(max(2, _cpus or multiprocessing.cpu_count()))))
# Several threads per process: a request waiting on a slow or unreachable database must
# not hold up the requests that do not wait for it — health checks, and decisions that
# fail open after 300 ms. With one request per process (sync workers), PostgreSQL 100 ms
# slower left every process waiting on a query: decisions queued for seconds and the load
# balancer's health checks failed on every instance at once (the cluster run,
# bench/cluster_scenario.py). Database concurrency stays bounded by the connection pool
# (PEPPER_DB_POOL_SIZE + _MAX_OVERFLOW, waits of at most PEPPER_DB_POOL_TIMEOUT_S).
threads = int(os.environ.get("PEPPER_THREADS", "8"))
os.environ["PEPPER_THREADS"] = str(threads)  # the settings size the decision pool by it
worker_class = "gthread" if threads > 1 else "sync"
# ... and all threads but two may wait on the database (pepper/db/bulkhead.py): a hung
# database costs other requests an immediate 503, never these two threads.
if threads > 2:
    os.environ.setdefault("PEPPER_DB_REQUEST_SLOTS", str(threads - 2))

# A request that takes this long is stuck, not slow: the decision budget is 300 ms.
timeout = int(os.environ.get("PEPPER_WORKER_TIMEOUT", "30"))
# On SIGTERM, finish in-flight requests (a ringing call among them) before exiting.
graceful_timeout = int(os.environ.get("PEPPER_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
max_requests = int(os.environ.get("PEPPER_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10

# gunicorn >= 25 opens a control socket under $HOME by default; we manage processes
# with signals and do not want a socket in a home directory that may not exist.
control_socket_disable = True

# Prometheus multiprocess mode: every worker writes its samples under this directory and
# /metrics merges them. Emptied at each start so a restart does not resurrect old counts.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="pepper-metrics-"
)
shutil.rmtree(_metrics_dir, ignore_errors=True)
os.makedirs(_metrics_dir, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
raw_env = [f"PROMETHEUS_MULTIPROC_DIR={_metrics_dir}"]

accesslog = os.environ.get("PEPPER_ACCESS_LOG", "-")
# One line per request: client, method, the route's rule rather than the path (paths and
# query strings carry phone numbers), status, bytes, milliseconds and the request id.
# Written by a logger that reads just those: gunicorn's own builds a dict of every header
# and environ variable per request (pepper/http/access_log.py).
logger_class = "pepper.http.access_log.AccessLogger"
errorlog = "-"


def worker_abort(worker):  # type: ignore[no-untyped-def]
    """A worker killed for timing out never reaches Sentry by itself: report it."""
    try:
        import sentry_sdk

        sentry_sdk.capture_message("gunicorn worker timeout: aborted", level="error")
        sentry_sdk.flush(timeout=2)
    except Exception:  # noqa: S110 - reporting must never stop the abort
        pass


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Forget a dead worker's live gauges (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _runtime_of(app):  # type: ignore[no-untyped-def]
    """Pepper's runtime in this WSGI app; None for another app (the benchmarks' bare
    baseline) or a worker that failed to boot before loading it."""
    return getattr(app, "extensions", {}).get("pepper")  # pepper.runtime.EXTENSION_KEY


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Load the active model before the first request, not during it.

    With several threads, requests that arrived while the first one was loading the
    model were scored without it: a restarted instance briefly answered with another
    model version than its peers (the cluster run saw it after a rolling restart).
    """
    app = worker.wsgi
    runtime = _runtime_of(app)
    if runtime is None:
        # Another WSGI app: nothing of Pepper's to start, and importing Pepper here would
        # cost each of its workers seconds.
        gc.freeze()
        return
    try:
        from pepper.screening.views import SCREENER_KEY

        with app.app_context():
            app.extensions[SCREENER_KEY].scorer.refresh()
        runtime.changes.start()  # decisions may use the cache at once
    except Exception:  # the model is followed again on the next poll anyway
        worker.log.exception("could not load the active model at start")
    try:
        from pepper.blocklist.views import CACHE_KEY, warm_cache

        if CACHE_KEY in app.extensions:  # the newest block lists, to answer without a database
            warm_cache(runtime, app.extensions[CACHE_KEY])
    except Exception:
        worker.log.exception("could not preload the block lists")
    # What a worker has loaded by now (modules, phone-number metadata, the model) lives
    # as long as the worker: out of the collector's way. A full collection walked all of
    # it, 50-100 ms during which no thread of the process answered (the slowest 1 % of
    # calls under load, bench.twilio_load); frozen, a collection walks what requests made.
    gc.freeze()


# The app is built once, in the master, before it listens: a restarted instance accepts
# connections only once its workers can answer them. Built in each worker, after the
# master had bound the port, calls waited 1.5-2.5 s in the listen backlog while workers
# imported and built it (the cluster run's SIGTERM-and-restart step). Nothing in the app
# factory opens a connection or starts a thread; post_fork drops any pooled connection
# anyway, and every thread the app starts later checks which process it is in.
preload_app = True


def pre_fork(server, worker):  # type: ignore[no-untyped-def]
    # What the master built is permanent: collections in the workers skip it, and do not
    # touch (and so copy) the pages they share with the master.
    gc.freeze()


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    """A database connection must never be shared by two processes."""
    runtime = _runtime_of(server.app.wsgi())
    if runtime is not None:
        runtime.engine.dispose(close=False)
        runtime.decision_engine.dispose(close=False)


def worker_exit(server, worker):  # type: ignore[no-untyped-def]
    """Store the carrier call records still queued before the worker goes (a graceful
    stop loses none; pepper/carriers/twilio/recorder.py), and the counts not yet in the
    metrics (pepper/tally.py)."""
    app = getattr(worker, "wsgi", None)
    if _runtime_of(app) is None:
        return
    try:
        from pepper.tally import tally

        tally.flush()
    except Exception:
        worker.log.exception("could not write the last metrics")
    try:
        from pepper.carriers.twilio.recorder import RECORDER_KEY

        recorder = app.extensions.get(RECORDER_KEY)
        if recorder is not None:
            recorder.close()
    except Exception:
        worker.log.exception("could not store the queued call records")
