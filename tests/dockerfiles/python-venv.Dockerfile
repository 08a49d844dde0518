FROM python:3.12-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

FROM base AS deps
RUN python -m venv /venv
ENV PATH="/venv/bin:$PATH"
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM base AS final
LABEL org.opencontainers.image.title="app" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=deps /venv /venv
ENV PATH="/venv/bin:$PATH"
COPY . .
RUN useradd --create-home --uid 10001 app
USER 10001
ENTRYPOINT ["python", "-m", "app"]
CMD ["--port", "8080"]
