# RoPE Lab in one container. Same start command as everywhere else: scripts/serve.sh (tests/deploy checks it).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Streamlit cannot serve an app from /, and nothing here needs root.
RUN useradd --create-home --uid 10001 ropelab
WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes, not on every code edit.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=ropelab:ropelab . .
USER ropelab

EXPOSE 8501
# Replicas behind a load balancer must share one cookie secret: pass STREAMLIT_SERVER_COOKIE_SECRET at run time
# (e.g. from a Kubernetes Secret); never bake it into the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"

ENV PORT=8501 ADDRESS=0.0.0.0 PYTHON=python
CMD ["bash", "scripts/serve.sh"]
