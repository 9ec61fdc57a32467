"""Settings for ask4mdp, driven by the environment.

With no environment at all the site runs on the embedded default: SQLite, Celery tasks executed
eagerly in-process, files under ``var/``. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL
and Redis (production, docker-compose and the test suite).

The pseudonymisation master secret is deliberately *not* a setting: only the extraction worker reads
it, from ``ASK4MDP_MASTER_SECRET`` or ``ASK4MDP_MASTER_SECRET_FILE`` (see ``pseudonym/secret.py``).
"""

from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def envsecret(name: str, default: str | None = None) -> str | None:
    """Read a secret from ``NAME_FILE`` (docker/k8s secrets) or else from ``NAME``."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


VAR_DIR = Path(env.str("ASK4MDP_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
# The embedded default is for a newcomer's laptop: it is the only place where a development secret
# key and disabled two-factor authentication for demo accounts are acceptable.
# Without DATABASE_URL the site runs on the embedded default (SQLite under var/) unless told otherwise.
EMBEDDED = env.bool("ASK4MDP_EMBEDDED", default=not env.str("DATABASE_URL", default=""))
if EMBEDDED:  # a fresh clone has no var/ yet; SQLite, mail and files live there
    VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = envsecret("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or EMBEDDED):
        raise RuntimeError("SECRET_KEY (or SECRET_KEY_FILE) must be set outside the embedded default")
    SECRET_KEY = "embedded-development-key-not-for-production-" + "x" * 20  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "guardian",
    # the platform core
    "ask4mdp.accounts",
    "ask4mdp.audit",
    "ask4mdp.notifications",
    "ask4mdp.projects",
    "ask4mdp.ui",
    # the domain apps
    "dictionary",
    "pseudonym",
    "extraction",
    "requests_app",
    "outputs",
    "synthetic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ask4mdp.accounts.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes last, as its documentation asks
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ask4mdp.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ask4mdp.ui.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "ask4mdp.wsgi.application"
ASGI_APPLICATION = "ask4mdp.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ask4mdp.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (docker-compose sets 60 s) save a PostgreSQL backend start per request;
# the health check replaces a connection the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
# Each developer (and each helper) may run the suite against its own test database.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "ui:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)

# Lockout after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Two-factor authentication: TOTP is required for every staff role. Only the demo accounts of the
# embedded default may go without it.
OTP_TOTP_ISSUER = "ask4mdp"
ASK4MDP_DEMO_ACCOUNTS_SKIP_2FA = EMBEDDED and env.bool("ASK4MDP_DEMO_SKIP_2FA", default=True)

# Guardian: direct foreign-key permission models are declared per app; anonymous user not used.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Luxembourg"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-not-served/"  # never served directly: every file goes through a permission-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not (DEBUG or EMBEDDED))
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Where the platform keeps its data: the register warehouse (synthetic source data), the delivery
# folders that the virtual desktops mount, and archived documents.
WAREHOUSE_DIR = Path(env.str("ASK4MDP_WAREHOUSE_DIR", default=str(VAR_DIR / "warehouse")))
DELIVERY_ROOT = Path(env.str("ASK4MDP_DELIVERY_ROOT", default=str(VAR_DIR / "deliveries")))
ARCHIVE_ROOT = Path(env.str("ASK4MDP_ARCHIVE_ROOT", default=str(VAR_DIR / "archive")))
EXTRACTION_MEMORY_LIMIT = env.str("ASK4MDP_EXTRACTION_MEMORY_LIMIT", default="1GB")
EXTRACTION_THREADS = env.int("ASK4MDP_EXTRACTION_THREADS", default=2)
PSEUDONYMISER_BACKEND = env.str("ASK4MDP_PSEUDONYMISER", default="local")
PSEUDONYMISER_HTTP_URL = env.str("ASK4MDP_PSEUDONYMISER_URL", default="")
PLATFORM_COUNTRY = env.str("ASK4MDP_PLATFORM_COUNTRY", default="LU")
# Who creates the virtual desktops: a dotted path to a Provisioner (requests_app/implementation/provisioner.py).
ASK4MDP_DESKTOP_PROVISIONER = env.str(
    "ASK4MDP_DESKTOP_PROVISIONER", default="requests_app.implementation.provisioner.ManualProvisioner"
)

# Celery: eager and in-process on the embedded default, Redis otherwise.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "extraction.*": {"queue": "extraction"},
    "pseudonym.*": {"queue": "extraction"},
    "outputs.tasks.deliver_input_file": {"queue": "extraction"},  # pseudonymises: needs the master secret
    "requests_app.tasks.render_*": {"queue": "documents"},
    "requests_app.tasks.generate_*": {"queue": "documents"},
    "requests_app.implementation.tasks.generate_*": {"queue": "documents"},
}
# Task modules outside an app's ``tasks.py`` (autodiscovery finds only those).
CELERY_IMPORTS = ["requests_app.implementation.tasks"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)}
# The beat schedule lives here, not in django-celery-beat (which pins Django < 6.1).
CELERY_BEAT_SCHEDULE: dict = {
    "verify-audit-chain": {"task": "ask4mdp.audit.tasks.verify_audit_chain", "schedule": 24 * 3600},
    "close-expired-projects": {
        "task": "requests_app.implementation.tasks.close_expired_projects", "schedule": 24 * 3600,
    },
}

# The cache (the public dictionary's pages) may have a Redis of its own, bounded and evicting
# (docker-compose's ``cache``): the broker's must never evict a task. It defaults to REDIS_URL.
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# E-mail through Django 6.1's MAILERS: the embedded default writes messages to files under var/mail,
# production speaks SMTP (docker-compose points it at the mail catcher).
_MAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.filebased.EmailBackend"
        if EMBEDDED
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
if _MAIL_BACKEND.endswith("filebased.EmailBackend"):
    _MAIL_OPTIONS: dict = {"file_path": env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))}
elif _MAIL_BACKEND.endswith("smtp.EmailBackend"):
    _MAIL_OPTIONS = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": envsecret("EMAIL_HOST_PASSWORD", default="") or "",
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "timeout": 20,
    }
else:
    _MAIL_OPTIONS = {}
MAILERS = {"default": {"BACKEND": _MAIL_BACKEND, "OPTIONS": _MAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ask4mdp <noreply@ask4mdp.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: secure by default; the embedded default and DEBUG relax only what plain HTTP needs.
_HTTPS = not (DEBUG or EMBEDDED) and env.bool("HTTPS", default=True)
SECURE_SSL_REDIRECT = _HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _HTTPS else None
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Sessions are read from the cache and written through to the database: one query less per page
# for a signed-in user; an evicted session is read back from the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_HSTS_SECONDS = 31536000 if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
if CELERY_TASK_ALWAYS_EAGER:  # in-process tasks: their per-task lines would drown the site's output
    LOGGING["loggers"].update({"celery.app.trace": {"level": "WARNING"}, "kombu": {"level": "ERROR"}})

# Output checking (statistical disclosure control): the platform's parameters, stored with each
# result. Defaults are ACRO 1.0.2's defaults; see docs/output-checking.md.
SDC = {
    "safe_threshold": env.int("SDC_THRESHOLD", default=10),
    "safe_dof_threshold": env.int("SDC_DOF_THRESHOLD", default=10),
    "safe_nk_n": env.int("SDC_NK_N", default=2),
    "safe_nk_k": env.float("SDC_NK_K", default=0.9),
    "safe_pratio_p": env.float("SDC_P_RATIO", default=0.1),
    "check_missing_values": env.bool("SDC_CHECK_MISSING", default=False),
    "survival_safe_threshold": 10,
    "zeros_are_disclosive": True,
    # ACRO 1.0.2 fails a cell when the top n contributions reach k or more of the total (its NKCheck
    # tests ``>=``, checked against the installed code); the SDC handbook's wording is "more than k".
    # True keeps ACRO's behaviour; see docs/output-checking.md.
    "dominance_at_exactly_k_fails": env.bool("SDC_DOMINANCE_AT_K_FAILS", default=True),
}
# Size limits of an output file submitted for checking and of an external input file.
OUTPUTS_MAX_FILE_SIZE = env.int("OUTPUTS_MAX_FILE_SIZE_MB", default=20) * 1024 * 1024
INPUTS_MAX_FILE_SIZE = env.int("INPUTS_MAX_FILE_SIZE_MB", default=500) * 1024 * 1024

# Synthetic data: thresholds shown on the utility and privacy report.
SYNTHETIC = {
    "min_leaf_size": 20,
    "max_s_pmse": env.float("SYNTHETIC_MAX_S_PMSE", default=3.0),
    "max_exact_copy_ratio": env.float("SYNTHETIC_MAX_EXACT_COPY_RATIO", default=1.0),
    "permutations": env.int("SYNTHETIC_PMSE_PERMUTATIONS", default=20),
}

# The demo data, loaded in this order by ``manage.py load_demo`` (each module has ``load(*, stdout)``).
ASK4MDP_DEMO_LOADERS = [
    "ask4mdp.accounts.demo",
    "dictionary.demo",
    "extraction.demo",
    "requests_app.demo",
    "requests_app.implementation.demo",
    "outputs.demo",
    "synthetic.demo",
]
