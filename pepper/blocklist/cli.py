"""``pepper lists publish``: publish the next block-list version."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from pepper.blocklist.jobs import enqueue_publish, run_job, start_job
from pepper.jobs import service as jobs
from pepper.runtime import runtime

lists_cli = AppGroup("lists", help="Published block and identification lists.")


@lists_cli.command("publish")
@click.option(
    "--queue", is_flag=True, help="hand the publish to the job queue instead of running it here"
)
def publish_command(queue: bool) -> None:
    """Compute the lists from reputation and the active model; publish the next version.

    Safe to run from cron on every host: one publish runs at a time across all of them.
    """
    rt = runtime()
    if queue:
        job, started = enqueue_publish(rt)
        click.echo(f"job {job.id}: {'queued' if started else 'already running'}")
        return
    job, started = start_job(rt)
    if not started:
        raise click.ClickException(f"a publish is already running (job {job.id})")
    run_job(rt, job.id)
    done = jobs.get(rt.uow, job.id)
    if done.state != "succeeded":
        raise click.ClickException(f"publish failed: {json.dumps(done.result)}")
    result = done.result or {}
    click.echo(
        f"published version {result['version']}: {result['entries']} entries "
        f"{json.dumps(result['countries'])} in {result['seconds']['total']} s, "
        + (
            f"ranked by model {result['model_version']}"
            if result.get("ranking") == "model"
            else f"ranked by reputation alone ({result.get('fallback')})"
        )
    )
