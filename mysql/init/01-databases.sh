#!/bin/bash
# Runs once, on the first start of an empty MySQL data volume (docker-entrypoint-initdb.d).
# Two databases with one user each, so neither service can read or drop the other's tables:
#   MLflow's backend store           MLFLOW_DB_NAME   / MLFLOW_DB_USER   / MLFLOW_DB_PASSWORD
#   the pipeline's tables (trainer)  PIPELINE_DB_NAME / PIPELINE_DB_USER / PIPELINE_DB_PASSWORD
# The image's entrypoint may source this file (when it is not executable): keep its shell options.

: "${MLFLOW_DB_NAME:=mlflow}" "${MLFLOW_DB_USER:=mlflow}"
: "${PIPELINE_DB_NAME:=covertype}" "${PIPELINE_DB_USER:=covertype}"
: "${MLFLOW_DB_PASSWORD:?MLFLOW_DB_PASSWORD is not set (see .env.example)}"
: "${PIPELINE_DB_PASSWORD:?PIPELINE_DB_PASSWORD is not set (see .env.example)}"

# Single quotes inside passwords would end the SQL string: double them.
sql_quote() { printf "%s" "${1//\'/\'\'}"; }

mysql --protocol=socket -uroot -p"${MYSQL_ROOT_PASSWORD}" <<SQL
CREATE DATABASE IF NOT EXISTS \`${MLFLOW_DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '${MLFLOW_DB_USER}'@'%' IDENTIFIED BY '$(sql_quote "${MLFLOW_DB_PASSWORD}")';
GRANT ALL PRIVILEGES ON \`${MLFLOW_DB_NAME}\`.* TO '${MLFLOW_DB_USER}'@'%';

CREATE DATABASE IF NOT EXISTS \`${PIPELINE_DB_NAME}\` CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '${PIPELINE_DB_USER}'@'%' IDENTIFIED BY '$(sql_quote "${PIPELINE_DB_PASSWORD}")';
GRANT ALL PRIVILEGES ON \`${PIPELINE_DB_NAME}\`.* TO '${PIPELINE_DB_USER}'@'%';
FLUSH PRIVILEGES;
SQL
echo "init: databases ${MLFLOW_DB_NAME} and ${PIPELINE_DB_NAME} ready"
