# TuneCamp: the daemon (and the generator it runs for rebuilds), with Debian's ffmpeg.
#
#   docker build -t tunecamp .
#   docker run -p 8000:8000 -v "$PWD/content:/content" -v tunecamp-data:/data tunecamp
#
# /content is the catalog (writable: promoting a draft writes its release.yaml);
# /data holds the database, the token secret, the built site and caches. Back up /data.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TUNECAMP_HOST=0.0.0.0 \
    TUNECAMP_PORT=8000 \
    TUNECAMP_CONTENT_DIR=/content \
    TUNECAMP_DATA_DIR=/data \
    TUNECAMP_PUBLIC_DIR=/data/public \
    TUNECAMP_FFMPEG=/usr/bin/ffmpeg \
    TUNECAMP_LIVE_RELOAD=false

# Debian's ffmpeg (with libmp3lame, libopus, libvorbis) and DejaVu (the title on generated covers); nothing else.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 tunecamp \
    && useradd --system --uid 10001 --gid tunecamp --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin tunecamp

WORKDIR /app
# Dependencies first (a layer that changes only with the lock), pinned by the lock as constraints
# so the dev tools listed there are not installed.
COPY pyproject.toml requirements.lock README.md ./
COPY generator ./generator
COPY daemon ./daemon
COPY themes ./themes
RUN pip install --constraint requirements.lock . \
    && mkdir -p /content /data \
    && chown tunecamp:tunecamp /data

USER tunecamp
VOLUME ["/content", "/data"]
EXPOSE 8000
STOPSIGNAL SIGTERM

# /health answers 503 when the database or the disk is not usable; urlopen raises on it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["tunecamp", "serve"]
