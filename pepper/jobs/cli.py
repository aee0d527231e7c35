"""``pepper worker``: the job-queue worker of the production deployment."""

from __future__ import annotations

import click
import redis
from flask.cli import with_appcontext
from rq import Worker

from pepper.jobs.service import queue_name
from pepper.runtime import runtime


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run jobs (model training) from the Redis queue until stopped."""
    settings = runtime().settings
    url = settings.redis_url
    if not url:
        raise click.ClickException(
            "the embedded default runs jobs in the web process; a worker needs PEPPER_REDIS_URL"
        )
    # A blocking queue read must not time out like the request path's Redis client.
    Worker([queue_name(settings.redis_prefix)], connection=redis.Redis.from_url(url)).work()
