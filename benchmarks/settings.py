"""Settings for `make bench` servers: the product's settings, plus the baseline routes (benchmarks.urls).

The baselines are served by the same gunicorn, in the same run, as the product paths they are compared with;
they never appear in the product's URL configuration.
"""

from wms_project.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"

# Load tools send thousands of requests a second from one token and one channel: the product's rate limits
# (429 past 600 webhooks or 1,200 API calls a minute) would measure the limiter, not the path.
WEBHOOK_RATE_PER_MINUTE = 10**9
API_RATE_PER_MINUTE = 10**9

# Measured as production serves: without DEBUG, Django keeps no per-query log and formats no SQL for it
# (`make run` keeps DEBUG on for development; docs/SCALING.md). The benchmark pages need no static files.
DEBUG = False
WHITENOISE_USE_FINDERS = False
