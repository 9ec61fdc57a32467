# ask4mdp — one image for every process (web, worker, extractor, beat); the command differs.
FROM python:3.12-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint needs pango; gettext compiles the French catalogue; fonts for the PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
      libffi8 fonts-dejavu-core gettext curl \
 && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py compilemessages -v 0 --ignore=.venv \
 && SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput -v 0 \
 && useradd --system --uid 1000 --home /app ask4mdp && mkdir -p /data && chown ask4mdp /data

USER ask4mdp
ENV ASK4MDP_VAR_DIR=/data
EXPOSE 8000
CMD ["gunicorn", "-c", "python:ask4mdp.gunicorn_conf", "ask4mdp.wsgi:application"]
