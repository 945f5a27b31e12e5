"""Settings of the PIM.

Twelve-factor: everything comes from environment variables and every variable has an
embedded default, so a fresh checkout runs on SQLite in ``var/`` with media in
``var/media/`` and the database search backend.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

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
# The embedded key is only good for local development; production sets PIM_SECRET_KEY.
SECRET_KEY = os.environ.get("PIM_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("Set PIM_SECRET_KEY when PIM_DEBUG is off.")
ALLOWED_HOSTS = env_list("PIM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("PIM_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "pim.catalog",
    "pim.assets",
    "pim.search",
    "pim.exports",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
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
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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
    # WAL lets the dev server read while a long import writes; a generous timeout avoids
    # "database is locked" when the task worker and the server write at the same time.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

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
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

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
WAGTAILADMIN_BASE_URL = os.environ.get("PIM_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = None
WAGTAIL_I18N_ENABLED = False
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
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

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
