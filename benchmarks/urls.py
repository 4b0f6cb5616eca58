"""The product's URLs plus two baselines: a bare view, and a view doing exactly one INSERT (autocommit: the
statement is its own transaction, committed before the answer, like an accepted delivery)."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from wms_project.urls import urlpatterns as product_urlpatterns

INSERT_TABLE = "bench_insert"
CREATE_INSERT_TABLE = f"CREATE TABLE IF NOT EXISTS {INSERT_TABLE} (id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"


@csrf_exempt
def noop(request):
    return HttpResponse("ok")


@csrf_exempt
def one_insert(request):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {INSERT_TABLE} (body) VALUES (%s)", [request.body.decode("utf-8", "replace")])
    return HttpResponse("ok")


urlpatterns = [
    path("bench/noop", noop, name="bench-noop"),
    path("bench/insert", one_insert, name="bench-insert"),
    *product_urlpatterns,
]
