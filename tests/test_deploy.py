"""Production defaults: settings from the environment, Django's deploy check, the secret-key
rule, security headers, admin login throttling and static files.

Settings variants are evaluated with ``runpy`` (the settings module is plain Python reading
``os.environ``), so they never touch the configured settings of the test run; the deploy check
and the refused key run ``manage.py`` in a subprocess, as an operator would."""

import contextlib
import gzip
import hashlib
import json
import os
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils import timezone

from pim.security import DEVELOPMENT_SECRET_KEY, secret_key_problem
from tests.factories import make_product, make_valve_family

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "pim" / "settings.py"

# Variables of the settings that the environment of the test run must not leak into a variant.
SETTINGS_VARIABLES = re.compile(r"^(PIM_|DATABASE_URL$|ELASTICSEARCH_)")


def production_key() -> str:
    return secrets.token_urlsafe(50)


def clean_environ(tmp_path, **variables) -> dict:
    """The process environment without any PIM_*/DATABASE_URL/ELASTICSEARCH_* setting, plus
    ``variables`` and a private PIM_VAR_DIR."""
    env = {key: value for key, value in os.environ.items() if not SETTINGS_VARIABLES.match(key)}
    env["PIM_VAR_DIR"] = str(tmp_path / "var")
    env.update(variables)
    return env


def load_settings(monkeypatch, tmp_path, **variables) -> dict:
    """The settings module's names as it computes them under ``variables``."""
    for key in list(os.environ):
        if SETTINGS_VARIABLES.match(key):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PIM_VAR_DIR", str(tmp_path / "var"))
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(SETTINGS))


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- manage.py check --deploy --------------------------------------------------------------------


def test_deploy_check_is_clean_in_production(tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text(production_key() + "\n")
    env = clean_environ(
        tmp_path,
        PIM_DEBUG="0",
        PIM_SECRET_KEY_FILE=str(key_file),
        PIM_BASE_URL="https://pim.example.com",
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"\b[a-z_.]*\.W\d{3}\b", output), output
    assert "System check identified no issues" in output


def test_weak_secret_key_refused_at_startup(tmp_path):
    env = clean_environ(tmp_path, PIM_DEBUG="0", PIM_SECRET_KEY="abcdefghij" * 5)
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "PIM_SECRET_KEY is not safe for production (PIM_DEBUG=0): it is too predictable" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # says how to fix it


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "empty"),
        (DEVELOPMENT_SECRET_KEY, "development or placeholder"),
        ("django-insecure-" + secrets.token_urlsafe(50), "development or placeholder"),
        ("changeme-" + secrets.token_urlsafe(50), "development or placeholder"),
        (secrets.token_urlsafe(30), "at least 50 are needed"),
        ("a" * 60, "too predictable"),
        ("ab" * 30, "too predictable"),
        ("abcdefghij" * 6, "too predictable"),
        ("0123456789abcdef" * 4, "too predictable"),
    ],
)
def test_weak_secret_keys(key, reason):
    assert reason in secret_key_problem(key)


@pytest.mark.parametrize(
    "make_key",
    [get_random_secret_key, lambda: secrets.token_urlsafe(50), lambda: secrets.token_hex(32)],
    ids=["django", "urlsafe", "hex"],
)
def test_generated_secret_keys_pass(make_key):
    for _ in range(20):  # random keys: more than one draw
        assert secret_key_problem(make_key()) is None


def test_weak_key_refused_in_settings_also_from_a_key_file_and_as_fallback(monkeypatch, tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text("x" * 64)
    with pytest.raises(ImproperlyConfigured, match="PIM_SECRET_KEY is not safe"):
        load_settings(monkeypatch, tmp_path, PIM_DEBUG="0", PIM_SECRET_KEY_FILE=str(key_file))
    with pytest.raises(ImproperlyConfigured, match="PIM_SECRET_KEY_FALLBACKS is not safe"):
        load_settings(
            monkeypatch,
            tmp_path,
            PIM_DEBUG="0",
            PIM_SECRET_KEY=production_key(),
            PIM_SECRET_KEY_FALLBACKS="old",
        )
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        load_settings(monkeypatch, tmp_path, PIM_DEBUG="0", PIM_SECRET_KEY_FILE=str(tmp_path / "missing"))
    # development keeps the embedded key
    assert load_settings(monkeypatch, tmp_path)["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY


# --- settings from the environment ---------------------------------------------------------------


def test_https_base_url_turns_on_secure_cookies_hsts_and_redirect(monkeypatch, tmp_path):
    production = load_settings(
        monkeypatch,
        tmp_path,
        PIM_DEBUG="0",
        PIM_SECRET_KEY=production_key(),
        PIM_BASE_URL="https://pim.example.com/",
    )
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_SSL_REDIRECT"]
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["ALLOWED_HOSTS"] == ["pim.example.com", "127.0.0.1", "localhost"]
    assert production["CSRF_TRUSTED_ORIGINS"] == ["https://pim.example.com"]
    assert production["WAGTAILADMIN_BASE_URL"] == "https://pim.example.com"
    assert production["PIM_PUBLIC_BASE_URL"] == "https://pim.example.com"
    assert "SECURE_PROXY_SSL_HEADER" not in production  # trusting the header is opt-in
    assert production["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )

    proxied = load_settings(
        monkeypatch,
        tmp_path,
        PIM_BASE_URL="https://pim.example.com",
        PIM_SECURE_PROXY_SSL_HEADER="1",
        PIM_HSTS_SECONDS="600",
    )
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxied["SECURE_HSTS_SECONDS"] == 600

    plain = load_settings(monkeypatch, tmp_path)
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["SECURE_SSL_REDIRECT"]
    assert plain["SECURE_HSTS_SECONDS"] == 0
    # development and tests need no collectstatic
    assert (
        plain["STORAGES"]["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


def test_base_url_defaults_to_the_served_address(monkeypatch, tmp_path):
    served = load_settings(monkeypatch, tmp_path, PIM_ADDRESS="0.0.0.0:8123")
    assert served["WAGTAILADMIN_BASE_URL"] == "http://0.0.0.0:8123"
    assert served["PIM_PUBLIC_BASE_URL"] == "http://0.0.0.0:8123"  # datasheets and exports
    assert load_settings(monkeypatch, tmp_path, PIM_ADDRESS="9000")["PIM_BASE_URL"] == "http://127.0.0.1:9000"
    assert load_settings(monkeypatch, tmp_path)["PIM_BASE_URL"] == "http://127.0.0.1:8000"
    explicit = load_settings(
        monkeypatch, tmp_path, PIM_ADDRESS="127.0.0.1:9000", PIM_BASE_URL="https://x.example"
    )
    assert explicit["WAGTAILADMIN_BASE_URL"] == "https://x.example"
    with pytest.raises(ImproperlyConfigured, match="Unix socket: set PIM_BASE_URL"):
        load_settings(monkeypatch, tmp_path, PIM_ADDRESS="unix:/run/pim.sock")
    with pytest.raises(ImproperlyConfigured, match="not an absolute http"):
        load_settings(monkeypatch, tmp_path, PIM_BASE_URL="pim.example.com")


def test_unknown_readiness_check_is_refused(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="unknown checks"):
        load_settings(monkeypatch, tmp_path, PIM_READY_CHECKS="database,cache")


# --- security headers ----------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    """A policy header as directive -> sources. django-csp orders the directives differently
    from process to process (it iterates a set), so tests compare parsed policies, never text."""
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_public_pages_have_a_strict_content_security_policy_and_permissions_policy(client):
    make_product(make_valve_family(), article_number="KH-1")
    for path in ("/", "/products/KH-1/"):
        response = client.get(path)
        assert response.status_code == 200
        policy = csp_directives(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # no inline code on public pages
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        permissions = response.headers["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in permissions
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.django_db
def test_admin_gets_its_own_looser_policy(admin_client):
    for path in ("/admin/login/", "/admin/"):
        policy = csp_directives(admin_client.get(path).headers["Content-Security-Policy"])
        assert "'unsafe-inline'" in policy["script-src"]  # Wagtail's inline scripts
        assert "blob:" in policy["img-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]


# --- admin login throttling ----------------------------------------------------------------------


def sign_in(client, username, password, ip="192.0.2.10"):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT="test"
    )


@pytest.mark.django_db
def test_admin_login_is_locked_after_five_failures_per_username_and_address(client, django_user_model):
    from axes.models import AccessAttempt

    django_user_model.objects.create_superuser("editor", "editor@example.com", "the-right-password")
    for _ in range(4):
        response = sign_in(client, "editor", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = sign_in(client, "editor", "wrong")
    assert response.status_code == 429
    # Locked now: even the right password is refused, with a message that says why and how long.
    response = sign_in(client, "editor", "the-right-password")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Signing in is locked after 5 failed attempts for this username" in html
    assert "Try again in 15 minutes" in html
    assert "_auth_user_id" not in client.session

    # Another address, or another username from this address, is not locked.
    assert sign_in(client, "editor", "the-right-password", ip="192.0.2.99").status_code == 302
    client.logout()
    assert sign_in(client, "someone-else", "wrong").status_code == 200

    # After the cool-off the lock lifts by itself.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, "editor", "the-right-password").status_code == 302


@pytest.mark.django_db
def test_successful_login_resets_the_failure_count(client, django_user_model):
    django_user_model.objects.create_superuser("editor", "editor@example.com", "the-right-password")
    for _ in range(4):
        sign_in(client, "editor", "wrong")
    assert sign_in(client, "editor", "the-right-password").status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "editor", "wrong").status_code == 200


# --- static files --------------------------------------------------------------------------------


def test_static_files_are_served_without_collectstatic_in_development(client):
    response = client.get("/static/cms/css/site.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])


# --- scripts/serve -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def installed_extras() -> str:
    """The extras of the current install (scripts/_bootstrap.sh's stamp), so that starting
    scripts/serve here reinstalls nothing."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    for stamp in (ROOT / ".venv").glob(f".installed-{digest}-*"):
        extras = stamp.name.removeprefix(f".installed-{digest}-")
        return "" if extras == "none" else extras
    return "dev"


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - a loopback URL of this test
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.slow
def test_scripts_serve_serves_pages_and_compressed_hashed_static_files(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    # A fresh SQLite database in a private var/ (never the database of the test run or of CI).
    env = clean_environ(
        tmp_path,
        PIM_ADDRESS=f"127.0.0.1:{port}",
        PIM_WORKERS="2",
        PIM_THREADS="2",
        PIM_EXTRAS=installed_extras(),
    )
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300  # install check, migrate, collectstatic on a busy 2-core machine
        while True:
            assert server.poll() is None, f"scripts/serve ended early:\n{log_path.read_text()[-4000:]}"
            try:
                status, _, body = fetch(f"{base}/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (
                f"no answer on {base}/healthz:\n{log_path.read_text()[-4000:]}"
            )
            time.sleep(1)
        assert json.loads(body) == {"status": "ok"}

        status, _, body = fetch(f"{base}/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"]["database"]["vendor"] == "sqlite"

        # The home page, rendered with DEBUG off, links its stylesheet by its content-hashed name.
        status, headers, body = fetch(f"{base}/")
        assert status == 200
        assert "Content-Security-Policy" in headers
        stylesheet = re.search(r'href="(/static/cms/css/site\.[0-9a-f]{12}\.css)"', body.decode())
        assert stylesheet, body.decode()[:2000]

        status, headers, body = fetch(base + stylesheet.group(1), **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]
        assert b".site-header" in gzip.decompress(body)

        status, _, _ = fetch(f"{base}/static/cms/css/site.css")  # the plain name works too, briefly cached
        assert status == 200
        assert (tmp_path / "var" / "secret-key").stat().st_mode & 0o077 == 0  # generated, private
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            returncode = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
        finally:
            # nothing of it may outlive the test (gunicorn's workers, the task worker)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
    log_text = log_path.read_text()
    assert returncode == 143, log_text[-4000:]  # stopped by SIGTERM, after stopping its children
    assert '"GET /healthz HTTP/1.1" 200' in log_text  # the access log
    assert "Starting worker" in log_text  # the task worker ran beside gunicorn
    with pytest.raises(OSError):
        fetch(f"{base}/healthz")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/api/v1/families/a%00b/", "path"),
        ("/api/v1/products/?lang=a%00", "lang"),
        ("/api/v1/attributes/%00/", "path"),
    ],
)
def test_a_nul_character_in_an_api_address_is_a_400(client, url, key):
    """PostgreSQL cannot compare text with a NUL character: such a code was a server error in
    the API's lookups (found by Schemathesis)."""
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.json()[key][0]
