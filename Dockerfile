# Production image: gunicorn for web; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm AS python
# Data (uploads, the file cache) under /app/var; collected static files in /app/staticfiles
# (STATIC_ROOT), in the image, where a volume mounted on /app/var cannot hide them.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    LINLI_VAR_DIR=/app/var
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-wqy-microhei postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/production.txt requirements/
RUN pip install --require-hashes --no-deps -r requirements/production.txt

# The pages' stylesheets and icon font (bin/build-assets.mjs: PurgeCSS, Lightning CSS,
# subset-font), purged against our code and the templates of the Python packages that render
# markup (crispy-bootstrap5, allauth...), hence those packages here. Only the vendor files and
# the built assets go on to the image, not the build tools.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY --from=python /usr/local/lib/python3.11/site-packages ./.venv/lib/python3.11/site-packages
COPY . .
RUN node bin/build-assets.mjs && npm prune --omit=dev --no-audit --no-fund --loglevel=error

FROM python
COPY . .
COPY --from=assets /build/node_modules ./node_modules
COPY --from=assets /build/build/assets ./build/assets
# collectstatic and compilemessages need settings but no real secrets or database.
RUN export DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost \
        LINLI_SITE_URL=http://localhost \
        SMS_BACKEND=accounts.sms.backends.console.SmsBackend \
        NOTIFY_WEBPUSH_BACKEND=notices.channels.ConsoleBackend \
        NOTIFY_WECHAT_BACKEND=notices.channels.ConsoleBackend \
    && python manage.py collectstatic --noinput -v0 \
    && python manage.py compilemessages --ignore=node_modules -v0 \
    && useradd --create-home --uid 1000 linli \
    && mkdir -p /app/var/media /app/var/private-media \
    && chown -R linli:linli /app/var
# The release Sentry reports: `docker compose build` passes LINLI_RELEASE through, e.g.
# LINLI_RELEASE=$(git rev-parse --short HEAD) (.git itself stays out of the image).
ARG LINLI_RELEASE=""
ENV LINLI_RELEASE=${LINLI_RELEASE}
USER linli
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
