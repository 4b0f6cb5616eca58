"""Settings for `make bench` servers: the product's settings, plus the baseline routes (benchmarks.urls).

The baselines are served by the same gunicorn, in the same run, as the product paths they are compared with;
they never appear in the product's URL configuration.
"""

from wms_project.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
