"""`manage.py simulate`: a compressed day against a running system, through its real entry points.

seed (its own merchants, stock, channels and staff), system (the web server, Celery worker and beat as
`make run` starts them), intake (signed Shopify webhooks over HTTP), floor (handheld pick and pack REST
calls, labels, manifests), monitor (queue backlog sampled every second) and check (the invariants).
"""
