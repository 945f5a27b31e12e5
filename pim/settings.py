"""Settings of the PIM.

Twelve-factor: everything comes from environment variables and every variable has an
embedded default, so a fresh checkout runs on SQLite in ``var/`` with media in
``var/media/`` and the database search backend.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pim.security import DEVELOPMENT_SECRET_KEY, GENERATE_HINT, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PIM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("PIM_DEBUG", True)


def _secret_key() -> str:
    """PIM_SECRET_KEY, else the contents of PIM_SECRET_KEY_FILE (scripts/serve keeps a generated
    key in var/secret-key; a file also suits container secrets), else the development key."""
    if os.environ.get("PIM_SECRET_KEY"):
        return os.environ["PIM_SECRET_KEY"]
    if os.environ.get("PIM_SECRET_KEY_FILE"):
        key_file = Path(os.environ["PIM_SECRET_KEY_FILE"])
        try:
            return key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"PIM_SECRET_KEY_FILE={key_file} cannot be read: {exc}") from exc
    return DEVELOPMENT_SECRET_KEY


SECRET_KEY = _secret_key()
# Old keys still accepted for signatures (sessions, password reset links) while rotating.
SECRET_KEY_FALLBACKS = env_list("PIM_SECRET_KEY_FALLBACKS", "")
if not DEBUG:
    # Every process refuses to start with a guessable key: sessions, CSRF tokens, password
    # reset links and signed download URLs all hang on it.
    for _name, _key in [("PIM_SECRET_KEY", SECRET_KEY)] + [
        ("PIM_SECRET_KEY_FALLBACKS", key) for key in SECRET_KEY_FALLBACKS
    ]:
        if _problem := secret_key_problem(_key):
            raise ImproperlyConfigured(
                f"{_name} is not safe for production (PIM_DEBUG=0): {_problem}. Generate a key with "
                f"{GENERATE_HINT} and set PIM_SECRET_KEY (or PIM_SECRET_KEY_FILE); scripts/serve "
                "generates one in var/secret-key when neither is set."
            )

# Where the application is reached: gunicorn (scripts/serve) and runserver (scripts/run) bind
# PIM_ADDRESS; PIM_BASE_URL is the public URL behind any proxy. Absolute links in the admin,
# e-mails, datasheets and exports are built from PIM_BASE_URL, which defaults to PIM_ADDRESS.
PIM_ADDRESS = os.environ.get("PIM_ADDRESS", "127.0.0.1:8000").split(",")[0].strip()  # the first of several
if PIM_ADDRESS.isdigit():  # a bare port, as runserver accepts it
    PIM_ADDRESS = f"127.0.0.1:{PIM_ADDRESS}"
if PIM_ADDRESS.startswith("unix:") and not os.environ.get("PIM_BASE_URL"):
    raise ImproperlyConfigured(
        f"PIM_ADDRESS={PIM_ADDRESS} is a Unix socket: set PIM_BASE_URL to the address users open, "
        "e.g. https://pim.example.com"
    )
PIM_BASE_URL = (os.environ.get("PIM_BASE_URL") or f"http://{PIM_ADDRESS}").rstrip("/")
_base_url = urlsplit(PIM_BASE_URL)
if _base_url.scheme not in {"http", "https"} or not _base_url.hostname:
    raise ImproperlyConfigured(
        f"PIM_BASE_URL={PIM_BASE_URL!r} is not an absolute http(s) URL; set it to the address users "
        "open, e.g. https://pim.example.com"
    )
PIM_HTTPS = _base_url.scheme == "https"

_default_hosts = [_base_url.hostname, "127.0.0.1", "localhost"] + (["testserver"] if DEBUG else [])
ALLOWED_HOSTS = env_list("PIM_ALLOWED_HOSTS", ",".join(dict.fromkeys(_default_hosts)))
CSRF_TRUSTED_ORIGINS = env_list("PIM_CSRF_TRUSTED_ORIGINS", f"{_base_url.scheme}://{_base_url.netloc}")

# --- HTTPS, cookies and security headers ------------------------------------------------
# All on when PIM_BASE_URL is https (each can be set on its own). TLS usually ends at a proxy:
# gunicorn already trusts X-Forwarded-Proto from FORWARDED_ALLOW_IPS (default: 127.0.0.1), so
# a proxy on the same machine needs nothing more; PIM_SECURE_PROXY_SSL_HEADER=1 trusts the
# header from anywhere, only safe when every request passes a proxy that sets it.
SESSION_COOKIE_SECURE = env_bool("PIM_SESSION_COOKIE_SECURE", PIM_HTTPS)
CSRF_COOKIE_SECURE = env_bool("PIM_CSRF_COOKIE_SECURE", PIM_HTTPS)
SECURE_SSL_REDIRECT = env_bool("PIM_SECURE_SSL_REDIRECT", PIM_HTTPS)
# Load balancers probe over plain HTTP; a redirect would count as a failure.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("PIM_HSTS_SECONDS", 31_536_000 if PIM_HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PIM_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a commitment of the whole registrable domain (hstspreload.org), the domain
# owner's decision rather than this application's: off unless asked for, and its deploy
# warning (security.W021) is silenced below while it is off.
SECURE_HSTS_PRELOAD = env_bool("PIM_HSTS_PRELOAD", False)
if env_bool("PIM_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# What /readyz checks (pim/health.py). Leave out "search" to keep instances in rotation while
# Elasticsearch is down (searches then fall back to the database).
PIM_READY_CHECKS = env_list("PIM_READY_CHECKS", "database,search,storage")
if _unknown_checks := set(PIM_READY_CHECKS) - {"database", "search", "storage"}:
    raise ImproperlyConfigured(
        f"PIM_READY_CHECKS names unknown checks {sorted(_unknown_checks)}; use database, search, storage"
    )

# Content-Security-Policy (django-csp). Public pages load only their own scripts, styles and
# fonts; images may also come from object storage (S3) and PIM_CSP_IMG_SRC, frames (embedded
# videos) from PIM_CSP_FRAME_SRC. The admin (PIM_ADMIN_URL_PREFIX) gets a looser policy:
# Wagtail renders inline scripts and styles and blob: previews of uploads.
# The admin makes no third-party requests from editors' browsers: no Gravatar (it would receive
# a hash of every editor's e-mail address) and no release check (versions are pinned in
# pyproject.toml and upgraded there).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
PIM_ADMIN_URL_PREFIX = "/admin/"
_image_sources = env_list("PIM_CSP_IMG_SRC", "")
if os.environ.get("PIM_S3_BUCKET"):
    _s3 = urlsplit(os.environ.get("PIM_S3_ENDPOINT_URL") or "https://*.amazonaws.com")
    _image_sources.append(f"{_s3.scheme}://{_s3.netloc}")
_frame_sources = env_list("PIM_CSP_FRAME_SRC", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_image_sources],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF, *_frame_sources],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
PIM_ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, "'unsafe-inline'"],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", *_image_sources],
        "font-src": [SELF, "data:"],
        "frame-src": [SELF, *_frame_sources],
        "media-src": [SELF, "blob:"],
        "worker-src": [SELF, "blob:"],
    }
}
# Permissions-Policy: the catalog uses no device features; deny them to any embedded content.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid", "magnetometer",
        "microphone", "midi", "payment", "publickey-credentials-get", "serial", "usb", "browsing-topics",
    ]
}  # fmt: skip

INSTALLED_APPS = [
    "pim.catalog",
    "pim.assets",
    "pim.search",
    "pim.exports",
    "django_countries",
    "pim.inquiries",
    "pim.imports",
    "pim.api",
    "pim.webhooks",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    # Editors translate pages in the admin ("Translate" action, locale management).
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "mptt",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Development serves static files through WhiteNoise as production does, not runserver.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pim.security.reject_nul_characters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pim.security.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: it answers a locked-out login attempt before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pim.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.context_processors.public_site",
            ],
        },
    },
]

WSGI_APPLICATION = "pim.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pim.sqlite3'}"),
        conn_max_age=int(os.environ.get("PIM_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a task worker share the file:
    # - WAL: readers never wait for the writer, the writer never waits for readers.
    # - IMMEDIATE: every atomic() takes the write lock at BEGIN, where SQLite waits for it (the
    #   busy timeout). With the default (DEFERRED) a transaction that read first and writes
    #   later cannot wait when another process committed in between: SQLite fails it at once
    #   with "database is locked", whatever the timeout.
    # - timeout (seconds): how long a writer waits for the other one's transaction to end.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": int(os.environ.get("PIM_SQLITE_TIMEOUT", "30")),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # CONN_MAX_AGE stays as configured (PIM_DB_CONN_MAX_AGE): when the last connection to the
    # file closes, SQLite checkpoints and removes the WAL, and a worker that reconnects for
    # every task pays that each time (half of db_worker's time on the demo's task queue).

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Login throttling (django-axes): PIM_LOGIN_FAILURE_LIMIT failed logins for one username from
# one IP address lock that pair out for PIM_LOGIN_COOLOFF_MINUTES; the lock lifts by itself
# (no administrator needed) and a successful login resets the count. Failures are kept in the
# database so every gunicorn worker sees them. Behind a proxy, set PIM_LOGIN_IP_HEADER (e.g.
# HTTP_X_FORWARDED_FOR) so the client's address, not the proxy's, is counted: the right-most
# address of the header is taken, the one the proxy itself appended (the left ones are
# whatever the client sent).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("PIM_LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = int(os.environ.get("PIM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PIM_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pim.security.login_locked_out"
if os.environ.get("PIM_LOGIN_IP_HEADER"):
    AXES_IPWARE_META_PRECEDENCE_ORDER = [os.environ["PIM_LOGIN_IP_HEADER"], "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_ORDER = "right-most"

# Languages: German and English ship. Content fields (names, descriptions, labels) are
# localized per language in PIM_LANGUAGES; PIM_LANGUAGE_FALLBACKS says where a missing
# translation is taken from.
LANGUAGE_CODE = os.environ.get("PIM_LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("de", _("German"))]
PIM_LANGUAGES = env_list("PIM_LANGUAGES", "en,de")
PIM_LANGUAGE_FALLBACKS = {"de": ["en"], "en": ["de"]}
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("PIM_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("PIM_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [path for path in [BASE_DIR / "static"] if path.is_dir()]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("PIM_MEDIA_ROOT", VAR_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production (PIM_DEBUG=0) serves collectstatic's output through WhiteNoise: content-hashed
    # names cached for a year, gzip (and Brotli, if installed) versions made ahead. Development
    # and tests keep the plain storage, so nothing needs collectstatic first.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise finds files in the apps while developing (and picks up edits without a restart).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Background tasks: the database backend of django-tasks (also what Wagtail uses);
# PIM_TASKS_IMMEDIATE=1 runs them inline (tests).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("PIM_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

WAGTAIL_SITE_NAME = os.environ.get("PIM_SITE_NAME", "Technical Product Catalog")
WAGTAILADMIN_BASE_URL = PIM_BASE_URL  # see PIM_ADDRESS above
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = None
# Pages exist per language (a German translation has German slugs: /de/anwendungen/…); the
# content languages are the site languages. cms migration 0003 creates the German locale.
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = [("en", "English"), ("de", "Deutsch")]

# ETIM model shipped in the standards kit beside the checkout.
PIM_STANDARDS_DIR = Path(os.environ.get("PIM_STANDARDS_DIR", BASE_DIR.parent / "shared" / "standards"))
PIM_ETIM_ARCHIVE = Path(
    os.environ.get("PIM_ETIM_ARCHIVE", PIM_STANDARDS_DIR / "etim" / "etim-6.0-ixf-en-de-nl.zip")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PIM_LOG_LEVEL", "INFO")},
    # axes.apps only announces itself in every process and command; login failures stay at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}


# --- cache and cached public pages (cms/page_cache.py) ----------------------------------
# PIM_CACHE_URL: one cache shared by every process (gunicorn workers, task worker, admin), so
# an edit invalidates cached pages everywhere. Default: files in var/cache (one machine);
# several machines: redis://host:6379/0 (Django's RedisCache, needs the "redis" package) or
# memcached://host:11211[,host2:11211] (PyMemcacheCache, needs "pymemcache"). locmem:// is
# per process (only for a single process); dummy:// caches nothing.
def _cache_from_url(url: str) -> dict:
    scheme, _sep, rest = url.partition("://")
    if scheme in ("", "file"):
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": rest or str(VAR_DIR / "cache"),
            # Each store lists the directory to cull: keep it to the pages worth keeping.
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PIM_CACHE_MAX_ENTRIES", "20000"))},
        }
    backends = {
        "redis": ("django.core.cache.backends.redis.RedisCache", url),
        "rediss": ("django.core.cache.backends.redis.RedisCache", url),
        "memcached": ("django.core.cache.backends.memcached.PyMemcacheCache", rest.split(",")),
        "locmem": ("django.core.cache.backends.locmem.LocMemCache", rest),
        "dummy": ("django.core.cache.backends.dummy.DummyCache", ""),
    }
    if scheme not in backends:
        raise ImproperlyConfigured(
            f"PIM_CACHE_URL={url!r}: unknown scheme {scheme!r}; use file://PATH, redis://HOST:PORT/DB, "
            "memcached://HOST:PORT, locmem:// or dummy://"
        )
    backend, location = backends[scheme]
    return {"BACKEND": backend, "LOCATION": location}


CACHES = {"default": _cache_from_url(os.environ.get("PIM_CACHE_URL", ""))}
# Public pages without a query string are cached this many seconds at most (0: not at all); edits
# invalidate them at once, the limit only bounds what an unannounced change (raw SQL) leaves.
PIM_PAGE_CACHE_TIMEOUT = int(os.environ.get("PIM_PAGE_CACHE_TIMEOUT", "3600"))
# Part of every cached page's key: a deployment may name its release (e.g. the git commit);
# empty means a fingerprint of the checkout's templates, code and static manifest.
PIM_RELEASE = os.environ.get("PIM_RELEASE", "")
# Cache-Control max-age of cached pages: how long browsers and CDNs may keep them after an edit.
PIM_PAGE_CACHE_MAX_AGE = int(os.environ.get("PIM_PAGE_CACHE_MAX_AGE", "60"))
# A change reaching more products than this invalidates all cached pages at once.
PIM_PAGE_CACHE_MAX_PRODUCTS = int(os.environ.get("PIM_PAGE_CACHE_MAX_PRODUCTS", "1000"))

# --- search (pim/search) ---------------------------------------------------------------
# PIM_SEARCH_BACKEND: "database" (embedded default) or "elasticsearch". The database index is
# always maintained: it answers while Elasticsearch is unreachable.
PIM_SEARCH_BACKEND = os.environ.get("PIM_SEARCH_BACKEND", "database")
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
PIM_ELASTICSEARCH = {
    "URLS": env_list("ELASTICSEARCH_URL", ""),  # comma separated for several nodes
    "API_KEY": os.environ.get("ELASTICSEARCH_API_KEY", ""),  # or basic auth:
    "USERNAME": os.environ.get("ELASTICSEARCH_USERNAME", ""),
    "PASSWORD": os.environ.get("ELASTICSEARCH_PASSWORD", ""),
    "CA_CERTS": os.environ.get("ELASTICSEARCH_CA_CERTS", ""),  # path to the cluster's CA (PEM)
    "VERIFY_CERTS": env_bool("ELASTICSEARCH_VERIFY_CERTS", True),
    "TIMEOUT": float(os.environ.get("ELASTICSEARCH_TIMEOUT", "10")),  # seconds per request
    "BULK_TIMEOUT": float(os.environ.get("ELASTICSEARCH_BULK_TIMEOUT", "120")),  # a rebuild's bulk requests
    "MAX_RETRIES": int(os.environ.get("ELASTICSEARCH_MAX_RETRIES", "1")),
    "INDEX_PREFIX": os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "pim"),
    # a number, or "auto": sized by a full rebuild (one shard per 250k products, at most one per core)
    "SHARDS": os.environ.get("ELASTICSEARCH_SHARDS", "auto"),
    "REPLICAS": int(os.environ.get("ELASTICSEARCH_REPLICAS", "0")),
    "FALLBACK": env_bool("PIM_SEARCH_FALLBACK", True),  # database answers while ES is down
    "FALLBACK_RETRY_SECONDS": float(os.environ.get("PIM_SEARCH_FALLBACK_RETRY_SECONDS", "10")),
}
# Processes that build documents in a full reindex (0: one per core).
PIM_SEARCH_REINDEX_WORKERS = int(os.environ.get("PIM_SEARCH_REINDEX_WORKERS", "0"))
PIM_SEARCH_OUTBOX_BATCH = int(os.environ.get("PIM_SEARCH_OUTBOX_BATCH", "500"))
PIM_SEARCH_RETRY_MAX_SECONDS = int(os.environ.get("PIM_SEARCH_RETRY_MAX_SECONDS", "300"))
PIM_SEARCH_MAX_FACETS = int(os.environ.get("PIM_SEARCH_MAX_FACETS", "12"))
PIM_SEARCH_FACET_BUCKETS = 8  # numeric facets: about this many round-numbered buckets
PIM_SEARCH_COMPOUND_WORDS = os.environ.get("PIM_SEARCH_COMPOUND_WORDS", "")  # extra German words, a file
PIM_SEARCH_SCHEMA_TTL = 60  # seconds other processes may use cached attribute metadata after an edit
LOGGING["loggers"]["elastic_transport"] = {"level": "WARNING"}  # not every request at INFO

# --- assets (pim/assets) ----------------------------------------------------------------
PIM_ASSET_MAX_UPLOAD_MB = int(os.environ.get("PIM_ASSET_MAX_UPLOAD_MB", "512"))
# Bulk uploads (admin) larger than this are imported by a background task (db_worker); the
# admin shows the job and its report. Smaller ones are imported within the request.
PIM_ASSET_INLINE_IMPORT_MB = int(os.environ.get("PIM_ASSET_INLINE_IMPORT_MB", "20"))
# ZIP archives (uploaded assets and bulk imports) are unpacked in a check first: limits
# against bombs (total size, compression ratio of a member, member count, nesting).
PIM_ASSET_ZIP_MAX_TOTAL_MB = int(os.environ.get("PIM_ASSET_ZIP_MAX_TOTAL_MB", "2048"))
PIM_ASSET_ZIP_MAX_RATIO = int(os.environ.get("PIM_ASSET_ZIP_MAX_RATIO", "200"))
PIM_ASSET_ZIP_MAX_ENTRIES = int(os.environ.get("PIM_ASSET_ZIP_MAX_ENTRIES", "10000"))
PIM_ASSET_ZIP_MAX_DEPTH = int(os.environ.get("PIM_ASSET_ZIP_MAX_DEPTH", "2"))
# SVG with scripts, event handlers or external references: "reject" or "sanitize".
PIM_ASSET_SVG_POLICY = os.environ.get("PIM_ASSET_SVG_POLICY", "reject")
# Storage alias (STORAGES) of asset files and generated datasheets.
PIM_ASSET_STORAGE = os.environ.get("PIM_ASSET_STORAGE", "default")
# How download bytes leave the server: "django" (streamed by Django, Range supported),
# "x-accel-redirect" (nginx: internal location PIM_ASSET_ACCEL_PREFIX aliased to MEDIA_ROOT),
# "x-sendfile" (Apache mod_xsendfile, lighttpd: absolute path), "redirect" (302 to the
# storage URL, a presigned URL with S3).
PIM_ASSET_DELIVERY = os.environ.get("PIM_ASSET_DELIVERY", "django")
PIM_ASSET_ACCEL_PREFIX = os.environ.get("PIM_ASSET_ACCEL_PREFIX", "/protected-media/")
PIM_ASSET_REDIRECT_EXPIRY = int(os.environ.get("PIM_ASSET_REDIRECT_EXPIRY", "300"))
PIM_ASSET_CACHE_MAX_AGE = int(os.environ.get("PIM_ASSET_CACHE_MAX_AGE", "3600"))
# Renditions of public images under MEDIA_URL (served by pim.assets.media_views, which also
# sends them as configured above): how long browsers and CDNs may keep one. The name never
# changes content; a product taken offline is 404 at the origin at once, caches may keep
# its pictures this long.
PIM_MEDIA_CACHE_MAX_AGE = int(os.environ.get("PIM_MEDIA_CACHE_MAX_AGE", "86400"))
# Base URL printed on generated datasheets (link back to the product page).
PIM_PUBLIC_BASE_URL = os.environ.get("PIM_PUBLIC_BASE_URL", WAGTAILADMIN_BASE_URL)
# S3-compatible object storage (needs the "s3" extra: pip install -e ".[s3]"). Setting
# PIM_S3_BUCKET moves the default storage (assets, images, documents) to the bucket.
if os.environ.get("PIM_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["PIM_S3_BUCKET"],
            "endpoint_url": os.environ.get("PIM_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("PIM_S3_REGION") or None,
            "access_key": os.environ.get("PIM_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("PIM_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- exports (pim/exports) --------------------------------------------------------------
PIM_EXPORT_ROOT = Path(os.environ.get("PIM_EXPORT_ROOT", VAR_DIR / "exports"))
# Files of older (unpublished) runs kept per channel; history rows are always kept.
PIM_EXPORT_KEEP_FILES = int(os.environ.get("PIM_EXPORT_KEEP_FILES", "20"))
# Deltas start this much before the requested moment (changes committing during a snapshot).
PIM_EXPORT_DELTA_OVERLAP_SECONDS = int(os.environ.get("PIM_EXPORT_DELTA_OVERLAP_SECONDS", "120"))
# A running export renews a heartbeat with every batch; without one for this long its worker
# is taken as dead: the run is marked failed, its temporary file removed, the schedule resumes.
PIM_EXPORT_RUN_TIMEOUT_SECONDS = int(os.environ.get("PIM_EXPORT_RUN_TIMEOUT_SECONDS", "600"))
# A queued export no worker started within this long is marked failed (its task was lost).
PIM_EXPORT_QUEUED_TIMEOUT_SECONDS = int(os.environ.get("PIM_EXPORT_QUEUED_TIMEOUT_SECONDS", "86400"))
# Pulls: wrong tokens per client IP and window before 429; deltas are built by the task worker
# (202 + Retry-After until ready) and a built delta is served again for the same moment
# (rounded down to the minute) for PIM_EXPORT_PULL_REUSE_SECONDS.
PIM_EXPORT_PULL_MAX_FAILURES = int(os.environ.get("PIM_EXPORT_PULL_MAX_FAILURES", "10"))
PIM_EXPORT_PULL_FAILURE_WINDOW_SECONDS = int(os.environ.get("PIM_EXPORT_PULL_FAILURE_WINDOW_SECONDS", "300"))
PIM_EXPORT_PULL_RETRY_AFTER_SECONDS = int(os.environ.get("PIM_EXPORT_PULL_RETRY_AFTER_SECONDS", "15"))
PIM_EXPORT_PULL_REUSE_SECONDS = int(os.environ.get("PIM_EXPORT_PULL_REUSE_SECONDS", "300"))

# --- imports (pim/imports) --------------------------------------------------------------
# Posted fields per request (Django's default is 1000): an import mapping's editor posts three
# to five inputs per column of a supplier's file, and files of a few hundred columns are usual.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Files with at most this many rows (Excel, CSV) or products (BMEcat) are checked and imported
# within the admin's request; larger ones by the task worker, the job page following its progress.
PIM_IMPORT_INLINE_ROWS = int(os.environ.get("PIM_IMPORT_INLINE_ROWS", "2000"))
# A running import renews its heartbeat with every batch; without one for this long its worker
# is taken as dead and the job is marked failed (an all-or-nothing import wrote nothing).
PIM_IMPORT_JOB_TIMEOUT_SECONDS = int(os.environ.get("PIM_IMPORT_JOB_TIMEOUT_SECONDS", "600"))
# A queued import no worker started within this long is marked failed (its task was lost).
PIM_IMPORT_QUEUED_TIMEOUT_SECONDS = int(os.environ.get("PIM_IMPORT_QUEUED_TIMEOUT_SECONDS", "86400"))

# --- e-mail -----------------------------------------------------------------------------
# PIM_EMAIL_URL says how mail leaves: empty or console:// prints it (development),
# smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465 (TLS),
# file:///path/to/dir writes one file per message, locmem:// keeps it in memory (tests).
def _email_from_url(url: str) -> dict:
    parts = urlsplit(url or "console://")
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parts.path}
    if scheme in ("smtp", "smtps"):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": scheme == "smtp" and parts.port != 25,
            "EMAIL_TIMEOUT": 30,
        }
    raise ImproperlyConfigured(
        f"PIM_EMAIL_URL: unknown scheme {scheme!r}; use console://, smtp://, smtps://, file:///DIR or locmem://"
    )


globals().update(_email_from_url(os.environ.get("PIM_EMAIL_URL", "")))
DEFAULT_FROM_EMAIL = os.environ.get("PIM_EMAIL_FROM", "catalog@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- inquiries and change notices (pim/inquiries) ---------------------------------------
# Where requests for quote go (comma separated for several addresses).
PIM_INQUIRY_EMAIL = env_list("PIM_INQUIRY_EMAIL", "sales@localhost")
# An inquiry still "new" after this many hours is overdue: flagged in the inbox, one reminder mail.
PIM_INQUIRY_RESPONSE_HOURS = float(os.environ.get("PIM_INQUIRY_RESPONSE_HOURS", "4"))
# Rate limits of the public forms (inquiries, subscriptions): sends per client address and
# per e-mail address within PIM_INQUIRY_RATE_WINDOW_SECONDS.
PIM_INQUIRY_RATE_PER_ADDRESS = int(os.environ.get("PIM_INQUIRY_RATE_PER_ADDRESS", "10"))
PIM_INQUIRY_RATE_PER_EMAIL = int(os.environ.get("PIM_INQUIRY_RATE_PER_EMAIL", "5"))
PIM_INQUIRY_RATE_WINDOW_SECONDS = int(os.environ.get("PIM_INQUIRY_RATE_WINDOW_SECONDS", "3600"))
# Change notices: at most one digest per address within this many hours; opt-in links expire.
PIM_NOTICE_DIGEST_HOURS = float(os.environ.get("PIM_NOTICE_DIGEST_HOURS", "24"))
PIM_NOTICE_CONFIRM_DAYS = int(os.environ.get("PIM_NOTICE_CONFIRM_DAYS", "7"))
# A worker sending a digest holds it this long; a digest whose worker died is sent by the next run after it.
PIM_NOTICE_SEND_LEASE_SECONDS = int(os.environ.get("PIM_NOTICE_SEND_LEASE_SECONDS", "600"))
# Whether visitors may learn list prices: the public product page shows the net list price and
# visitors may subscribe to price changes. Off by default (many manufacturers quote per customer).
PIM_PUBLIC_PRICES = env_bool("PIM_PUBLIC_PRICES", False)

# --- REST API (pim/api, /api/v1/) ----------------------------------------------------------
# Tokens only (no session authentication: no CSRF questions, and an editor's browser session
# does not widen what a page's script could read). Read-only for the public; rate limits per
# token and, without one, per client address, counted in the Django cache. Rates in DRF's form
# ("600/minute"). PIM_API_NUM_PROXIES: how many proxies' X-Forwarded-For entries to trust for
# the client address (0: the connection's address; a client cannot choose its own bucket).
PIM_API_RATE_TOKEN = os.environ.get("PIM_API_RATE_TOKEN", "1200/minute")
PIM_API_RATE_ANONYMOUS = os.environ.get("PIM_API_RATE_ANONYMOUS", "120/minute")
PIM_API_PAGE_SIZE = int(os.environ.get("PIM_API_PAGE_SIZE", "50"))
PIM_API_MAX_PAGE_SIZE = int(os.environ.get("PIM_API_MAX_PAGE_SIZE", "500"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["pim.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "pim.api.throttling.TokenRateThrottle",
        "pim.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "pim.api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": int(os.environ.get("PIM_API_NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PIM catalog API",
    "DESCRIPTION": "Read and write the product catalog: products with values in canonical and display units, "
    "series, families, attributes and categories; create and update products by article number (a token with "
    "the write scope). Send an API token as `Authorization: Bearer <token>`; without one only publicly "
    "visible data is returned.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1/",
    "PREPROCESSING_HOOKS": ["pim.api.schema.only_api_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pim.api.schema.declare_common_answers",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Webhooks (pim/webhooks) ---
# Hosts a webhook may reach although they resolve to loopback or private addresses (receivers
# inside the company network; tests list 127.0.0.1). Everything else must be public.
PIM_WEBHOOK_ALLOWED_HOSTS = [host.lower() for host in env_list("PIM_WEBHOOK_ALLOWED_HOSTS", "")]
PIM_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("PIM_WEBHOOK_MAX_ATTEMPTS", "15"))
PIM_WEBHOOK_PAUSE_AFTER_FAILURES = int(os.environ.get("PIM_WEBHOOK_PAUSE_AFTER_FAILURES", "10"))
PIM_WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("PIM_WEBHOOK_RETRY_BASE_SECONDS", "60"))
PIM_WEBHOOK_RETRY_MAX_SECONDS = int(os.environ.get("PIM_WEBHOOK_RETRY_MAX_SECONDS", "3600"))
PIM_WEBHOOK_BATCH = int(os.environ.get("PIM_WEBHOOK_BATCH", "100"))

# --- OCI punch-out (pim/oci, /oci/) ---
INSTALLED_APPS += ["pim.oci"]
# Hours an OCI session (the signed token in the punch-out pages' links) stays valid after the
# last page the buyer opened in the punch-out.
PIM_OCI_SESSION_HOURS = float(os.environ.get("PIM_OCI_SESSION_HOURS", "8"))
# Wrong OCI logins per client address within the window before the entry call answers 429
# (the address as the admin's login throttling resolves it, PIM_LOGIN_IP_HEADER).
PIM_OCI_LOGIN_MAX_FAILURES = int(os.environ.get("PIM_OCI_LOGIN_MAX_FAILURES", "10"))
PIM_OCI_LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("PIM_OCI_LOGIN_FAILURE_WINDOW_SECONDS", "300"))
