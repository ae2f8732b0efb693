# Production image: one image for web, worker and beat (the command differs).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LACS_PROFILE=production
RUN useradd --create-home --uid 10001 lacs
WORKDIR /app

COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock

COPY --chown=lacs:lacs . .
# Build-time only values: the settings module needs them to import; runtime values come from compose.
RUN python -m lacs.i18n \
 && SECRET_KEY=build-only-build-only-build-only-build-only-build-only ALLOWED_HOSTS=build \
    DATABASE_URL=postgres://build@build/build REDIS_URL=redis://build:6379/0 \
    LACS_INTAKE_PUBLIC_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    STATIC_ROOT=/app/staticfiles python manage.py collectstatic --no-input

USER lacs
EXPOSE 8000
CMD ["gunicorn", "-c", "lacs/gunicorn_conf.py", "lacs.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "/dev/null"]
