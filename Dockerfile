# studybot: one process runs every configured platform and the scheduler (`studybot run`).
#   docker build -t studybot .
#   docker run --env-file .env -p 3000:3000 -v studybot-data:/data studybot
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY scheduler ./scheduler
COPY content ./content
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# DejaVu Sans: the /stats picture's font, with accents (Pillow's built-in font has none)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 studybot && mkdir /data && chown studybot /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER studybot
WORKDIR /data
ENV DATABASE_URL=sqlite:////data/studybot.db \
    STUDYBOT_HTTP_PORT=3000 \
    STUDYBOT_LOG_FORMAT=json \
    PYTHONUNBUFFERED=1
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"STUDYBOT_HTTP_PORT\"]}/healthz', timeout=3)"
ENTRYPOINT ["studybot"]
CMD ["run"]
