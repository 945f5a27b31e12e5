"""The pull URL of a channel: receivers fetch the latest file, or the changes since a moment
or since their own last successful pull, with a revocable token.

    GET /exports/<channel>/pull/                      the latest published full file
    GET /exports/<channel>/pull/?since=<ISO moment>   changes after that moment
    GET /exports/<channel>/pull/?since=last           changes since this receiver's last pull
    GET /exports/<channel>/pull/?since=…&prices=1     price changes only (BMEcat formats)

The token goes in ``Authorization: Bearer <token>`` (or ``?token=`` for tools that cannot
set headers). Responses carry ``ETag`` and ``Last-Modified``; ``If-None-Match`` (strong or
weak tags, lists, ``*``) and ``If-Modified-Since`` are honoured (304). An empty delta is
``204 No Content``.

No request builds a file itself:

- a change delta since a moment before the channel's latest published full file is
  answered with that full file (``X-Export-Kind: full``): it has every product the
  receiver should have, so the receiver replaces its data and its next ``since=last``
  starts at that file's moment;
- any other delta is built by the task worker: ``202 Accepted`` with ``Retry-After`` until
  it is ready, then the same request gets the file. A delta built for the same moment in
  the last ``PIM_EXPORT_PULL_REUSE_SECONDS`` is served again instead of building a new one,
  and a receiver has at most one delta being built at a time (``429`` otherwise);
- ``PIM_EXPORT_PULL_MAX_FAILURES`` wrong tokens from one client address within
  ``PIM_EXPORT_PULL_FAILURE_WINDOW_SECONDS`` answer ``429`` with ``Retry-After``.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from pim.failures import FailureCounter

from . import delta
from .formats import writer_class
from .models import Channel, ExportRun, ReceiverToken, RunKind, RunStatus, RunTrigger
from .runs import create_run

IN_PROGRESS = (RunStatus.QUEUED, RunStatus.RUNNING)


def _token(request) -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.GET.get("token", "")


def _error(status: int, message: str, **headers) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


# -- wrong tokens --------------------------------------------------------------------------

_WRONG_TOKENS = FailureCounter(
    "exports-pull",
    limit=lambda: settings.PIM_EXPORT_PULL_MAX_FAILURES,
    window=lambda: settings.PIM_EXPORT_PULL_FAILURE_WINDOW_SECONDS,
)


def _too_many_failures(seconds: int) -> JsonResponse:
    return _error(
        429,
        _("Too many requests with a wrong token from this address; try again in %(seconds)s seconds.")
        % {"seconds": seconds},
        Retry_After=str(seconds),
    )


# -- serving -------------------------------------------------------------------------------


def _record_pull(token: ReceiverToken, run) -> None:
    token.last_pull_at = run.snapshot_at
    token.pull_count += 1
    token.save(update_fields=["last_pull_at", "pull_count"])


def _serve(request, token, run, writer, kind: str):
    etag = f'"{run.sha256}"'
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(run.finished_at.timestamp()),
        "X-Export-Kind": kind,
        "Cache-Control": "private, no-cache",
    }
    # Django's evaluation of the preconditions (RFC 9110): weak comparison for
    # If-None-Match, lists of tags and "*"; If-Modified-Since only without If-None-Match.
    response = get_conditional_response(request, etag=etag, last_modified=int(run.finished_at.timestamp()))
    if response is not None:
        if response.status_code == 304:
            _record_pull(token, run)  # the receiver already has this file
    else:
        path = run.file_path()
        if path is None or not path.exists():
            return _error(410, _("The file of export run #%(run)s is no longer kept.") % {"run": run.pk})
        response = FileResponse(
            open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
            content_type=writer.content_type,
            as_attachment=True,
            filename=path.name,
        )
        _record_pull(token, run)
    for name, value in headers.items():
        response[name] = value
    return response


def _building(run: ExportRun) -> JsonResponse:
    seconds = settings.PIM_EXPORT_PULL_RETRY_AFTER_SECONDS
    response = JsonResponse(
        {
            "status": run.status,
            "run": run.pk,
            "message": _("The file is being built; repeat this request in %(seconds)s seconds.")
            % {"seconds": seconds},
        },
        status=202,
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def _delta_run(channel: Channel, token: ReceiverToken, kind: str, since):
    """The run answering a delta pull: one built (or being built) for the same moment
    lately, else a new one handed to the task worker. None if the receiver already has
    another delta being built."""
    from .tasks import run_export_task

    recent = timezone.now() - timedelta(seconds=settings.PIM_EXPORT_PULL_REUSE_SECONDS)
    same = ExportRun.objects.filter(
        channel=channel, format=channel.format, kind=kind, since=since, trigger=RunTrigger.PULL
    )
    run = (
        same.filter(Q(status__in=IN_PROGRESS) | Q(status=RunStatus.SUCCEEDED, snapshot_at__gte=recent))
        .order_by("-pk")
        .first()
    )
    if run is not None:
        return run
    if ExportRun.objects.filter(receiver=token, trigger=RunTrigger.PULL, status__in=IN_PROGRESS).exists():
        return None
    run = create_run(channel, kind=kind, since=since, trigger=RunTrigger.PULL, receiver=token)
    # No transaction is open here: the worker can see the row at once. With the immediate
    # backend (tests, PIM_TASKS_IMMEDIATE) the run is done when enqueue returns.
    run_export_task.enqueue(run.pk)
    run.refresh_from_db()
    return run


@require_safe
def pull(request, code):
    channel = Channel.objects.filter(code=code, active=True).first()
    if channel is None:
        raise Http404(_("No active channel with this code."))
    wait = _WRONG_TOKENS.locked_out(request)
    if wait is not None:
        return _too_many_failures(wait)
    secret = _token(request)
    token = ReceiverToken.authenticate(channel, secret)
    if token is None:
        if secret:
            _WRONG_TOKENS.count(request)
        return _error(
            401,
            _("A valid, unrevoked token for this channel is required."),
            WWW_Authenticate='Bearer realm="exports"',
        )
    writer = writer_class(channel.format)
    since_text = request.GET.get("since", "").strip()
    since = None
    if since_text == "last":
        since = token.last_pull_at  # no pull yet: the full file
    elif since_text:
        try:
            since = delta.parse_since(since_text)
        except ValueError as exc:
            return _error(400, _("since: %(problem)s Or use since=last.") % {"problem": exc})
    latest = channel.latest_run()
    if since is None:
        if latest is None:
            return _error(404, _("This channel has not published a file yet."))
        return _serve(request, token, latest, writer, RunKind.FULL)

    kind = RunKind.PRICES if request.GET.get("prices") in ("1", "true", "yes") else RunKind.DELTA
    if kind not in writer.kinds:
        return _error(400, _("The format %(format)s has no price-only deltas.") % {"format": channel.format})
    if kind == RunKind.DELTA and latest is not None and since < latest.snapshot_at:
        return _serve(request, token, latest, writer, RunKind.FULL)

    run = _delta_run(channel, token, kind, since)
    if run is None:
        seconds = settings.PIM_EXPORT_PULL_RETRY_AFTER_SECONDS
        return _error(
            429,
            _(
                "Another delta of yours is being built; wait for it before asking for one since another moment."
            ),
            Retry_After=str(seconds),
        )
    if run.status in IN_PROGRESS:
        return _building(run)
    if run.status != RunStatus.SUCCEEDED:
        return _error(500, _("The export failed: %(error)s") % {"error": (run.error.splitlines() or [""])[0]})
    if run.file_path() is None:
        _record_pull(token, run)
        response = HttpResponse(status=204)
        response["Cache-Control"] = "private, no-cache"
        return response
    return _serve(request, token, run, writer, kind)
