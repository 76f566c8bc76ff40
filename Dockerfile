# One image for every capcut-mate process: the API (`serve`), render workers (`worker`), `migrate`.
# See docs/deploy.md. ffmpeg comes from the imageio-ffmpeg wheel; CJK captions need the Noto CJK fonts,
# add_narration's default speech engine espeak-ng.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig espeak-ng \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir '.[cluster]'

# The data dir is only a private scratch and cache in cluster mode; in embedded mode it holds everything.
RUN useradd --create-home --uid 10001 capcut && mkdir /data && chown capcut /data
USER capcut
ENV CAPCUT_MATE_DATA_DIR=/data
VOLUME /data
EXPOSE 30000

ENTRYPOINT ["capcut-mate"]
CMD ["serve", "--host", "0.0.0.0", "--port", "30000"]
