#!/bin/sh
# Starts `mlflow server` from environment settings, so docker-compose.yaml and a Swarm stack can
# configure it without repeating the command line. Extra arguments are appended to the command.
set -eu

: "${MLFLOW_BACKEND_STORE_URI:?set MLFLOW_BACKEND_STORE_URI, e.g. mysql+pymysql://mlflow:PASSWORD@mysql:3306/mlflow}"
: "${MLFLOW_ARTIFACTS_BUCKET:?set MLFLOW_ARTIFACTS_BUCKET to the S3/MinIO bucket that holds the artifacts}"

exec mlflow server \
  --host 0.0.0.0 \
  --port "${MLFLOW_PORT:-5000}" \
  --workers "${MLFLOW_WORKERS:-2}" \
  --backend-store-uri "${MLFLOW_BACKEND_STORE_URI}" \
  --default-artifact-root "s3://${MLFLOW_ARTIFACTS_BUCKET}/" \
  --artifacts-destination "s3://${MLFLOW_ARTIFACTS_BUCKET}/" \
  --serve-artifacts \
  "$@"
