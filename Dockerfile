# Production image: one image for web, worker and beat (the command differs).
# Two stages: the first installs the runtime dependencies (requirements-production.lock: no test,
# lint or development tools, no embedded PostgreSQL or Redis) into a virtual environment,
# compiles the translations and collects the static files; the second carries only that
# environment and the application (.dockerignore leaves tests, benches and scripts out).
FROM python:3.11-slim-bookworm AS build

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LACS_PROFILE=production
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

COPY requirements-production.lock ./
RUN pip install --no-cache-dir --disable-pip-version-check -r requirements-production.lock

COPY . .
# Build-time only values: the settings module needs them to import; runtime values come from compose.
RUN python -m lacs.i18n \
 && SECRET_KEY=build-only-build-only-build-only-build-only-build-only ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@build/build REDIS_URL=redis://build:6379/0 \
    LACS_INTAKE_PUBLIC_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    STATIC_ROOT=/app/staticfiles python manage.py collectstatic --no-input


FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LACS_PROFILE=production PATH=/opt/venv/bin:$PATH
RUN useradd --create-home --uid 10001 lacs
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=lacs:lacs /app /app

USER lacs
EXPOSE 8000
CMD ["gunicorn", "-c", "lacs/gunicorn_conf.py", "lacs.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "/dev/null"]
