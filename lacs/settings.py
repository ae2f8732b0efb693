"""The one settings module, driven by the environment.

``LACS_PROFILE`` chooses the defaults: ``production`` (the default: no secret has a default,
DEBUG off, HTTPS everywhere), ``demo`` (``make demo``) or ``test`` (``lacs.settings_test``).
Outside production, a missing ``DATABASE_URL`` / ``REDIS_URL`` starts embedded servers
(``lacs.embedded``). Any malformed value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lacs import embedded
from lacs.env import (
    database_config,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    onion_location_checked,
    redis_url_checked,
)

BASE_DIR = Path(__file__).resolve().parent.parent
PROFILE = env_choice("LACS_PROFILE", "production", ("production", "demo", "test"))
PRODUCTION = PROFILE == "production"
TESTING = PROFILE == "test"

_NON_PROD_SECRET = "lacs-demo-and-test-only-secret-key-never-used-in-production-0123456789"  # noqa: S105 - demo/test only
SECRET_KEY = env_str("SECRET_KEY", None if PRODUCTION else _NON_PROD_SECRET, required=PRODUCTION)
if PRODUCTION and (len(SECRET_KEY or "") < 50 or SECRET_KEY == _NON_PROD_SECRET):
    raise ImproperlyConfigured("SECRET_KEY must be a unique value of at least 50 characters")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "lacs",
    "oversight",
    "cases",
    "whistleblowing",
    "ethics",
    "procurement",
]

MIDDLEWARE = [
    "lacs.middleware.SecurityHeadersMiddleware",
    "lacs.middleware.OnionLocationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lacs.middleware.IntakeSessionMiddleware",  # no session save where reports are filed
    "lacs.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lacs.middleware.RejectUnstorableQueryMiddleware",
    "lacs.middleware.NullOriginSameSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lacs.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lacs.urls"
WSGI_APPLICATION = "lacs.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lacs.context_processors.navigation",
            ],
        },
    },
]

# --- Services -------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url is None:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set")
    _database_url = embedded.database_url()
DATABASES = {"default": database_config(_database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("REDIS_URL")
if _redis_url is None:
    if PRODUCTION:
        raise ImproperlyConfigured("REDIS_URL must be set")
    _redis_url = embedded.redis_url()
REDIS_URL = redis_url_checked(_redis_url)
# The cache (throttles, short-lived state) may live on a Redis of its own that keeps nothing on
# disk, apart from the broker's (docker-compose.yml); by default it shares REDIS_URL.
CACHE_REDIS_URL = redis_url_checked(env_str("CACHE_REDIS_URL") or REDIS_URL, name="CACHE_REDIS_URL")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "lacs-test" if TESTING else "lacs",
        "TIMEOUT": 300,
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env_bool("LACS_CELERY_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers keep their database connection between tasks (Celery would otherwise reconnect twice
# per task); lacs.celery checks it after each task the way Django does after each request.
CELERY_DB_REUSE_MAX = 10_000
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE: dict = {}  # plus each app's tasks.BEAT_SCHEDULE, collected by lacs.celery

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",  # the demo's mail: .run/mail/
)
EMAIL_FILE_PATH = env_str("LACS_MAIL_DIR", str(BASE_DIR / ".run" / "mail"))
if TESTING and env_str("EMAIL_BACKEND") is None:  # a test may run a worker that writes files
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "integridad@cdmx.example")

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Argon2id memory for keys derived from passwords and receipts (64 MiB; lowered only in tests).
ARGON2_MEMORY_KIB = 1024 if TESTING else env_int("LACS_ARGON2_MEMORY_KIB", 65536, minimum=19456)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
OTP_TOTP_ISSUER = "LACS CDMX"
LOGIN_FAILURE_LIMIT = env_int("LACS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
# The window in which failures are counted (the name predates the back-off; nothing locks).
LOGIN_LOCKOUT_SECONDS = env_int("LACS_LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Past the account's (above) or the source's failure limit a password alone is rationed with a
# doubling back-off up to this cap; a password with the account's TOTP code always signs in.
LOGIN_SOURCE_FAILURE_LIMIT = env_int("LACS_LOGIN_SOURCE_FAILURE_LIMIT", 50, minimum=1)
LOGIN_BACKOFF_MAX_SECONDS = env_int("LACS_LOGIN_BACKOFF_MAX_SECONDS", 300, minimum=1)
# Anonymous intake and follow-up (whistleblowing/gate.py): no limit looks at the address. Each
# post pays with a proof of work of this many leading zero bits (about a second in a browser at
# 17), or, with JavaScript off, by a challenge at least this old; and a global hourly ceiling
# holds for every client together, with a smaller share for the waiting path.
WB_POW_DIFFICULTY = env_int("LACS_WB_POW_DIFFICULTY", 4 if TESTING else 17, minimum=1)
WB_POW_WAIT_SECONDS = env_int("LACS_WB_POW_WAIT_SECONDS", 0 if TESTING else 20, minimum=0)
WB_CEILINGS_PER_HOUR = {
    "submit": (
        env_int("LACS_WB_SUBMIT_CEILING", 600, minimum=1),
        env_int("LACS_WB_SUBMIT_WAITED_CEILING", 120, minimum=1),
    ),
    "receipt": (
        env_int("LACS_WB_RECEIPT_CEILING", 6000, minimum=1),
        env_int("LACS_WB_RECEIPT_WAITED_CEILING", 1200, minimum=1),
    ),
}
SESSION_COOKIE_AGE = env_int("LACS_SESSION_IDLE_SECONDS", 1800, minimum=60)
REAUTH_SECONDS = env_int("LACS_REAUTH_SECONDS", 300, minimum=30)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an inactivity timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# --- Security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
# The site's onion service (``http://<56 letters>.onion``): the clear-web pages name it in an
# ``Onion-Location`` header, which Tor Browser offers to follow.
ONION_LOCATION = onion_location_checked(env_str("LACS_ONION_LOCATION"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("LACS_UPLOAD_MAX_BYTES", 26_214_400, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Django parses every file of a post before any form sees the count (its default is 100): room
# for an OCDS import of a few years' files; the intake keeps no more than its own cap (uploads.py).
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("LACS_UPLOAD_MAX_FILES", 20, minimum=1)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("LACS_UPLOAD_MAX_FIELDS", 1000, minimum=100)
# The API's JSON bodies (lacs.api.parsers): a size cap, and a nesting cap far above any
# document the API takes (PDN queries nest three levels) and far below Python's recursion limit.
LACS_API_JSON_MAX_BYTES = env_int(
    "LACS_API_JSON_MAX_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE, minimum=1024
)
LACS_API_JSON_MAX_DEPTH = env_int("LACS_API_JSON_MAX_DEPTH", 32, minimum=4)

# --- Keys -----------------------------------------------------------------------------------
# Base64 X25519 keys. The web process needs only the public intake key; the routing worker
# holds the private one. Outside production they are generated once under .run/keys/.
KEY_DIR = Path(env_str("LACS_KEY_DIR", str(BASE_DIR / ".run" / "keys")) or "")
INTAKE_PUBLIC_KEY = env_str("LACS_INTAKE_PUBLIC_KEY", required=PRODUCTION)
INTAKE_PRIVATE_KEY = env_str("LACS_INTAKE_PRIVATE_KEY")
# The audit chain's signing key (Ed25519, base64 in a file): only the worker that signs the daily
# head (or an offline operator) holds it; the web tier and the database never do. Verifiers use
# the public half. Outside production both are generated once under KEY_DIR.
AUDIT_SIGNING_KEY_FILE = env_str("LACS_AUDIT_SIGNING_KEY_FILE")
AUDIT_PUBLIC_KEY = env_str("LACS_AUDIT_PUBLIC_KEY")
# Backups are encrypted to this X25519 public key (base64); its private half is kept offline and
# given to `manage.py restore --private-key FILE` only. Outside production a pair is generated
# under KEY_DIR (backup.key).
BACKUP_PUBLIC_KEY = env_str("LACS_BACKUP_PUBLIC_KEY")
# Referral packages for the prosecutor and the administrative court: each authority's X25519
# public key (base64) they are encrypted to, and the platform's Ed25519 signing key (base64 of
# the 32-byte seed). Outside production, missing ones are made under KEY_DIR on first use.
REFERRAL_PROSECUTOR_PUBLIC_KEY = env_str("LACS_REFERRAL_PROSECUTOR_PUBLIC_KEY")
REFERRAL_COURT_PUBLIC_KEY = env_str("LACS_REFERRAL_COURT_PUBLIC_KEY")
REFERRAL_SIGNING_KEY = env_str("LACS_REFERRAL_SIGNING_KEY")

# --- Platform rules -------------------------------------------------------------------------
ACKNOWLEDGE_DAYS = env_int("LACS_ACKNOWLEDGE_DAYS", 7, minimum=1)
FEEDBACK_DAYS = env_int("LACS_FEEDBACK_DAYS", 90, minimum=1)
# A protection request's first answer is due within this many working days (días hábiles).
PROTECTION_ANSWER_DAYS = env_int("LACS_PROTECTION_ANSWER_DAYS", 10, minimum=1)
# Notices go out in batches: every NOTICE_BATCH_SECONDS beat offers each person's pending batch
# with this chance in percent (a random, memoryless delay); a batch from an earlier day always goes.
NOTICE_BATCH_SECONDS = env_int("LACS_NOTICE_BATCH_SECONDS", 1200, minimum=60)
NOTICE_SEND_CHANCE = min(env_int("LACS_NOTICE_SEND_PERCENT", 25, minimum=1), 100) / 100
SMALL_CELL_THRESHOLD = env_int("LACS_SMALL_CELL_THRESHOLD", 5, minimum=1)
TWO_FACTOR_ROLES = env_list(
    "LACS_TWO_FACTOR_ROLES", ["admin", "contact", "investigator", "custodian"]
)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "integridad-cdmx-2026")
# OCDS import: processes that read a large JSON Lines file side by side (procurement.readers),
# one per core where there is more than one; 0 reads every file in the importing process, as
# are files smaller than LACS_IMPORT_READERS_MIN_BYTES.
_CORES = os.cpu_count() or 1
PROCUREMENT_IMPORT_READERS = env_int("LACS_IMPORT_READERS", _CORES if _CORES > 1 else 0, minimum=0)
PROCUREMENT_IMPORT_READERS_MIN_BYTES = env_int("LACS_IMPORT_READERS_MIN_BYTES", 1 << 20, minimum=0)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "es-mx"
LANGUAGES = [("es-mx", _("Español (México)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Mexico_City"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = (
    BASE_DIR / ".run" / "static"
    if not PRODUCTION
    else Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")) or "")
)
STATICFILES_DIRS = [BASE_DIR / "static"]
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".run" / "media")) or "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "lacs.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "lacs.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "lacs.api.throttles.AnonymousCeilingThrottle",
        "lacs.api.throttles.StaffRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # DRF reads these once per process; the test profile lifts them (throttle tests patch them).
        # "anon" is one ceiling for all anonymous clients together, not a rate per client.
        "anon": env_str("LACS_API_ANON_RATE", "100000/minute" if TESTING else "600/minute"),
        "user": env_str("LACS_API_USER_RATE", "100000/minute" if TESTING else "1200/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["lacs.api.parsers.SafeJSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LACS CDMX API",
    "DESCRIPTION": "API del Sistema Local Anticorrupción de la Ciudad de México.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EntityKindEnum": "lacs.models.EntityKind",
        "ContactPointKindEnum": "lacs.models.ContactPointKind",
        "DeclarationKindEnum": "ethics.models.DeclarationKind",
        "GiftKindEnum": "ethics.models.GiftKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lacs.api.schema.add_error_responses",
    ],
}
OAUTH2_PROVIDER = {
    "SCOPES": {
        "cases": "cases",
        "entities": "entities",
        "dashboards": "dashboards",
        "procurement": "procurement",
        "ethics": "ethics",
        "pdn": "pdn",
        # PDN System 1's own scope name: reads the declarations only.
        "read:declaraciones": "read:declaraciones",
    },
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("LACS_API_TOKEN_SECONDS", 3600, minimum=60),
    "OAUTH2_VALIDATOR_CLASS": "lacs.api.scopes.RoleScopedValidator",
    "PKCE_REQUIRED": True,
    # RFC 9700 (OAuth 2.0 Security BCP) everywhere but the password grant, which the PDN
    # specifications prescribe; it is throttled and needs a TOTP code for two-factor roles.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W002"]  # the password grant, on purpose (above)

# Nothing identifying a whistle-blower may reach a log: no request lines, no IPs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
