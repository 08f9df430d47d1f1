#!/bin/sh
# One-shot: create the MLflow artifact bucket in MinIO (idempotent), run by the minio-init service
# with the minio/mc image. Exits 0 when the bucket exists, so `service_completed_successfully` holds.
set -eu

: "${MINIO_ENDPOINT:=http://minio:9000}"
: "${MINIO_ROOT_USER:?MINIO_ROOT_USER is not set (see .env.example)}"
: "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is not set (see .env.example)}"
: "${MLFLOW_ARTIFACTS_BUCKET:?MLFLOW_ARTIFACTS_BUCKET is not set (see .env.example)}"

# MinIO may still be starting when compose's healthcheck first passes on a slow disk: retry briefly.
tries=0
until mc alias set local "$MINIO_ENDPOINT" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "minio-init: $MINIO_ENDPOINT did not accept the root credentials after 30 tries" >&2
    exit 1
  fi
  sleep 2
done
mc mb --ignore-existing "local/$MLFLOW_ARTIFACTS_BUCKET"
echo "minio-init: bucket $MLFLOW_ARTIFACTS_BUCKET ready"
