FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install . && WMS_PROFILE=development DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput -v 0
# The processes run as an unprivileged user that owns nothing of the code it runs.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin wms
USER wms
EXPOSE 8000
CMD ["gunicorn", "wms_project.wsgi:application", "--bind", "0.0.0.0:8000"]
