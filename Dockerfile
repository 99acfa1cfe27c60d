# The firegrid hub. Build: docker build -t firegrid .
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY firegrid firegrid
COPY dispatch dispatch
COPY video video
COPY alerts alerts
COPY console console
RUN pip install --no-cache-dir -c constraints.txt .
COPY deploy deploy
EXPOSE 8080
CMD ["firegrid", "serve", "--config", "deploy/township.yaml", "--host", "0.0.0.0", "--port", "8080", "--data", "/data"]
