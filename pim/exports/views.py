"""The pull URL of a channel: receivers fetch the latest file, or the changes since a moment
or since their own last successful pull, with a revocable token.

    GET /exports/<channel>/pull/                      the latest published full file
    GET /exports/<channel>/pull/?since=<ISO moment>   changes after that moment
    GET /exports/<channel>/pull/?since=last           changes since this receiver's last pull
    GET /exports/<channel>/pull/?since=…&prices=1     price changes only (BMEcat formats)

The token goes in ``Authorization: Bearer <token>`` (or ``?token=`` for tools that cannot
set headers). Responses carry ``ETag`` and ``Last-Modified``; ``If-None-Match`` and
``If-Modified-Since`` are honoured (304). An empty delta is ``204 No Content``.
"""

import datetime

from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .formats import writer_class
from .models import Channel, ReceiverToken, RunKind, RunStatus, RunTrigger
from .runs import run_export


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


def _parse_since(text: str):
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            return None
        moment = datetime.datetime.combine(day, datetime.time())
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _not_modified(request, etag: str, last_modified) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag in {tag.strip() for tag in match.split(",")} or match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since


def _record_pull(token: ReceiverToken, run) -> None:
    token.last_pull_at = run.snapshot_at
    token.pull_count += 1
    token.save(update_fields=["last_pull_at", "pull_count"])


def _serve(request, token, run, writer):
    etag = f'"{run.sha256}"'
    headers = {"ETag": etag, "Last-Modified": http_date(run.finished_at.timestamp())}
    if _not_modified(request, etag, run.finished_at):
        _record_pull(token, run)  # the receiver already has this file
        response = HttpResponse(status=304)
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
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def pull(request, code):
    channel = Channel.objects.filter(code=code, active=True).first()
    if channel is None:
        raise Http404(_("No active channel with this code."))
    token = ReceiverToken.authenticate(channel, _token(request))
    if token is None:
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
        since = _parse_since(since_text)
        if since is None:
            return _error(400, _("since=%(value)s is not an ISO date or timestamp.") % {"value": since_text})
    if since is None:
        run = channel.latest_run()
        if run is None:
            return _error(404, _("This channel has not published a file yet."))
        return _serve(request, token, run, writer)

    kind = RunKind.PRICES if request.GET.get("prices") in ("1", "true", "yes") else RunKind.DELTA
    if kind not in writer.kinds:
        return _error(400, _("The format %(format)s has no price-only deltas.") % {"format": channel.format})
    run = run_export(channel, kind=kind, since=since, trigger=RunTrigger.PULL, receiver=token)
    if run.status != RunStatus.SUCCEEDED:
        return _error(500, _("The export failed: %(error)s") % {"error": run.error.splitlines()[0]})
    if run.file_path() is None:
        _record_pull(token, run)
        response = HttpResponse(status=204)
        response["Cache-Control"] = "private, no-cache"
        return response
    return _serve(request, token, run, writer)
