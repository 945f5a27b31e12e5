"""Runs: temporary file, atomic publish, history, failures, the command, queued and scheduled runs."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pim.exports import bmecat, runs, source
from pim.exports.models import ExportFormat, ExportRun, RunKind, RunStatus, RunTrigger, Schedule
from pim.exports.runs import create_run, execute_run, run_export
from pim.exports.scheduling import due_channels, queue_run

from .conftest import assert_valid, make_channel

pytestmark = pytest.mark.django_db


def test_run_history_and_publication(catalog, export_root, django_user_model):
    user = django_user_model.objects.create_user("editor")
    channel = make_channel()
    first = run_export(channel, user=user, trigger=RunTrigger.ADMIN)
    assert first.status == RunStatus.SUCCEEDED
    assert first.published and channel.latest_run() == first
    assert first.started_by == user and first.trigger == RunTrigger.ADMIN
    assert first.started_at <= first.finished_at and first.snapshot_at == first.started_at
    assert first.product_count == 4 and first.skipped_count == 1
    assert first.total == 5 and first.processed == 5 and first.progress_percent == 100
    path = first.file_path()
    assert path.parent == export_root / channel.code
    assert first.size_bytes == path.stat().st_size > 0
    assert len(first.sha256) == 64
    assert first.catalog_version == "1.0"
    assert not list(path.parent.glob(".*.tmp"))  # no temporary file left behind

    second = run_export(channel)
    first.refresh_from_db()
    assert second.published and not first.published
    assert channel.latest_run() == second
    assert second.catalog_version == "2.0"
    assert first.file_path().exists()  # history keeps older files (up to the retention)


def test_failure_half_way_keeps_the_previous_file(catalog, export_root, monkeypatch):
    channel = make_channel()
    good = run_export(channel)
    published_bytes = good.file_path().read_bytes()

    original = bmecat.Bmecat2005Writer.write_features

    def explode(self, out, record):
        if record.article_number == "KH-200":
            raise RuntimeError("disk full")
        return original(self, out, record)

    monkeypatch.setattr(bmecat.Bmecat2005Writer, "write_features", explode)
    failed = run_export(channel)
    assert failed.status == RunStatus.FAILED
    assert failed.error_product == "KH-200"
    assert "KH-200" in failed.error and "disk full" in failed.error
    assert not failed.published and failed.file == ""
    assert channel.latest_run() == good
    assert good.file_path().read_bytes() == published_bytes
    assert not list((export_root / channel.code).glob(".*.tmp"))


def test_output_path_is_written_atomically_and_not_published(catalog, export_root, tmp_path):
    target = tmp_path / "out" / "catalog.xml"
    target.parent.mkdir()
    target.write_text("previous")
    run = run_export(make_channel(), output=str(target))
    assert run.status == RunStatus.SUCCEEDED
    assert run.file_path() == target.resolve()
    assert not run.published
    assert_valid(target, "2005")


def test_retention_deletes_old_files_but_keeps_history(catalog, export_root, settings):
    settings.PIM_EXPORT_KEEP_FILES = 1
    channel = make_channel(ExportFormat.JSONL)
    runs = [run_export(channel) for _ in range(4)]
    for run in runs:
        run.refresh_from_db()
    kept = [run for run in runs if run.file]
    assert runs[-1] in kept and runs[-1].published
    assert len(kept) == 2  # the published file and one more
    assert ExportRun.objects.filter(channel=channel).count() == 4
    assert all(run.file_path().exists() for run in kept)


def test_empty_full_export_fails_when_the_format_needs_a_product(db, export_root):
    run = run_export(make_channel(ExportFormat.BMECAT_2005_ETIM))
    assert run.status == RunStatus.FAILED
    assert "No product could be exported" in run.error


def test_export_channel_command(catalog, export_root, tmp_path, capsys):
    make_channel(code="shop")
    call_command("export_channel", "shop", "--no-progress")
    out = capsys.readouterr()
    assert "4 products" in out.out and "1 skipped" in out.out
    assert "skipped KH-9999" in out.err
    run = ExportRun.objects.get()
    assert run.trigger == RunTrigger.COMMAND and run.published

    target = tmp_path / "feed.csv"
    call_command("export_channel", "shop", "--format", "csv", "--output", str(target), "--no-progress")
    assert target.read_text(encoding="utf-8-sig").startswith("article_number;")

    since = (timezone.now() + timedelta(hours=1)).isoformat()
    call_command("export_channel", "shop", "--since", since, "--no-progress")
    delta = ExportRun.objects.order_by("-pk").first()
    assert delta.kind == RunKind.DELTA and delta.file_path() is None
    assert "nothing changed" in capsys.readouterr().out

    with pytest.raises(CommandError, match="No channel “nope”. Channels: shop"):
        call_command("export_channel", "nope")
    with pytest.raises(CommandError, match="not a valid ISO 8601 date"):
        call_command("export_channel", "shop", "--since", "yesterday")
    # well-formed but impossible moments: a clear error, not a traceback
    for impossible in ("2026-13-45", "2026-02-30T10:00:00"):
        with pytest.raises(CommandError, match=f"--since: “{impossible}” is not a valid ISO 8601 date"):
            call_command("export_channel", "shop", "--since", impossible)
    with pytest.raises(CommandError, match="needs --since"):
        call_command("export_channel", "shop", "--prices-only")
    with pytest.raises(CommandError, match="price"):
        call_command("export_channel", "shop", "--format", "csv", "--since", "2024-01-01", "--prices-only")


def test_queued_run_executes_through_the_task(catalog, export_root, django_capture_on_commit_callbacks):
    channel = make_channel()
    with django_capture_on_commit_callbacks(execute=True):
        run = queue_run(channel, trigger=RunTrigger.ADMIN)
        assert run.status == RunStatus.QUEUED
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.published


def test_a_run_is_executed_once(catalog, export_root):
    from pim.exports.tasks import run_export_task

    run = create_run(make_channel())
    execute_run(run)
    result = run_export_task.enqueue(run.pk)
    assert result.return_value == RunStatus.SUCCEEDED
    assert ExportRun.objects.get(pk=run.pk).finished_at == run.finished_at


def test_schedule(catalog, export_root, django_capture_on_commit_callbacks):
    daily = make_channel(code="daily", schedule=Schedule.DAILY)
    make_channel(code="manual", schedule=Schedule.OFF)
    now = timezone.now()
    assert [c.code for c in due_channels(now)] == ["daily"]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("export_scheduled")
    assert ExportRun.objects.get(channel=daily).status == RunStatus.SUCCEEDED
    assert list(due_channels(timezone.now())) == []  # ran just now
    assert [c.code for c in due_channels(now + timedelta(days=1, minutes=1))] == ["daily"]


def test_channel_validation_says_what_to_fix(db):
    from django.core.exceptions import ValidationError

    from pim.exports.models import Channel

    channel = Channel(
        code="bad",
        name="Bad",
        format=ExportFormat.BMECAT_2005_ETIM,
        languages="en,fr",
        lifecycles="active,discontinued",
        feature_system="own",
        csv_delimiter='"',
    )
    with pytest.raises(ValidationError) as info:
        channel.clean()
    errors = info.value.message_dict
    assert "fr: not a content language" in errors["languages"][0]
    assert "active, phase_out" in errors["lifecycles"][0]
    assert "ETIM feature system" in errors["feature_system"][0]
    assert "buyer" in errors["buyer_name"][0]
    assert "supplier" in errors["supplier_name"][0]
    assert "delimiter" in errors["csv_delimiter"][0]


def test_discontinued_products_are_never_exported_even_if_a_channel_asks(catalog, export_root):
    channel = make_channel(ExportFormat.JSONL, lifecycles="active,phase_out,discontinued")
    run = run_export(channel)
    assert "KH-OLD" not in run.file_path().read_text()


# -- runs whose worker died ----------------------------------------------------------------


def _dead_run(channel, export_root, *, heartbeat_age: timedelta) -> tuple[ExportRun, object]:
    """A run left "running" by a killed worker: old heartbeat, half-written temporary file."""
    run = create_run(channel, trigger=RunTrigger.SCHEDULE)
    directory = export_root / channel.code
    directory.mkdir(parents=True, exist_ok=True)
    temp = directory / f".{channel.code}-20260101-000000-{run.pk}-full.xml.abc123.tmp"
    temp.write_text("<BMECAT half written")
    moment = timezone.now() - heartbeat_age
    ExportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        started_at=moment - timedelta(minutes=5),
        snapshot_at=moment - timedelta(minutes=5),
        heartbeat_at=moment,
        temp_path=str(temp),
    )
    return ExportRun.objects.get(pk=run.pk), temp


def test_a_dead_run_is_failed_and_the_schedule_resumes(
    catalog, export_root, settings, django_capture_on_commit_callbacks
):
    settings.PIM_EXPORT_RUN_TIMEOUT_SECONDS = 600
    channel = make_channel(code="daily", schedule=Schedule.DAILY)
    dead, temp = _dead_run(channel, export_root, heartbeat_age=timedelta(minutes=11))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("export_scheduled")

    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and dead.finished_at is not None
    assert "worker stopped: no heartbeat since" in dead.error
    assert timezone.localtime(dead.heartbeat_at).isoformat(timespec="seconds") in dead.error
    assert not temp.exists() and dead.temp_path == ""
    # the schedule went on: a new run was queued and executed
    new = ExportRun.objects.filter(channel=channel).exclude(pk=dead.pk).get()
    assert new.status == RunStatus.SUCCEEDED and new.published
    assert new.heartbeat_at is not None and new.temp_path == ""


def test_a_live_run_is_left_alone(catalog, export_root, settings):
    settings.PIM_EXPORT_RUN_TIMEOUT_SECONDS = 600
    channel = make_channel(code="daily", schedule=Schedule.DAILY)
    alive, temp = _dead_run(channel, export_root, heartbeat_age=timedelta(minutes=2))
    assert list(due_channels(timezone.now())) == []  # its run is still going
    alive.refresh_from_db()
    assert alive.status == RunStatus.RUNNING and temp.exists()


def test_the_next_export_cleans_up_a_dead_run(catalog, export_root, settings):
    settings.PIM_EXPORT_RUN_TIMEOUT_SECONDS = 60
    channel = make_channel()
    dead, temp = _dead_run(channel, export_root, heartbeat_age=timedelta(minutes=5))
    run = run_export(channel)
    assert run.status == RunStatus.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and not temp.exists()
    assert not list((export_root / channel.code).glob(".*.tmp"))


def test_a_run_given_up_as_dead_stops_without_publishing(catalog, export_root, settings, monkeypatch):
    """A worker that was only slow, not dead, notices at its next heartbeat and stops."""
    settings.PIM_EXPORT_RUN_TIMEOUT_SECONDS = 60
    channel = make_channel(ExportFormat.JSONL)
    good = run_export(channel)
    original = source.ExportContext.load

    def slow_load(self, ids, **kwargs):
        # meanwhile the scheduler, seeing no heartbeat for too long, gives the run up
        ExportRun.objects.filter(status=RunStatus.RUNNING).update(
            heartbeat_at=timezone.now() - timedelta(minutes=10)
        )
        runs.reap_dead_runs()
        return original(self, ids, **kwargs)

    monkeypatch.setattr(source.ExportContext, "load", slow_load)
    slow = run_export(channel)
    assert slow.status == RunStatus.FAILED and "no heartbeat since" in slow.error
    assert not slow.published and slow.file == ""
    assert channel.latest_run() == good
    assert not list((export_root / channel.code).glob(".*.tmp"))


def test_a_queued_run_no_worker_started_does_not_block_the_schedule(catalog, export_root, settings):
    settings.PIM_EXPORT_QUEUED_TIMEOUT_SECONDS = 3600
    channel = make_channel(code="daily", schedule=Schedule.DAILY)
    lost = create_run(channel, trigger=RunTrigger.SCHEDULE)
    ExportRun.objects.filter(pk=lost.pk).update(queued_at=timezone.now() - timedelta(hours=2))
    assert [c.code for c in due_channels(timezone.now())] == ["daily"]
    lost.refresh_from_db()
    assert lost.status == RunStatus.FAILED and "db_worker" in lost.error
