# The tinhuy image: Python 3.11, the project, and exactly the packages of uv.lock (Airflow 3 with the
# Celery provider, PostgreSQL drivers, DuckDB, Great Expectations) in /opt/tinhuy/.venv.
# docker-compose.yml builds it once; no container installs anything when it starts.
#
#   docker build -t tinhuy:dev .
#   docker run --rm tinhuy:dev version          # the entry point is `airflow`
#   docker run --rm --entrypoint tinhuy tinhuy:dev parse --help

FROM python:3.11-slim-bookworm

# The uv of the Makefile, so the image resolves nothing: it installs what uv.lock says.
ARG UV_VERSION=0.13.9
ARG AIRFLOW_UID=50000
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/tinhuy/.venv \
    PYTHONUNBUFFERED=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /opt/tinhuy
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
# The project itself (editable, so etl/settings.py finds sql/ and expectations/ beside it).
COPY etl ./etl
COPY dags ./dags
COPY sql ./sql
COPY expectations ./expectations
RUN uv sync --frozen --no-dev

# Airflow's home and the shared data directory (raw archive, run files, DuckDB warehouse) belong
# to the airflow user, uid 50000 and group 0 as in Airflow's own image.
RUN useradd --uid "${AIRFLOW_UID}" --gid 0 --home-dir /opt/airflow --create-home airflow \
    && mkdir -p /opt/tinhuy-data /opt/airflow/logs \
    && chown -R "${AIRFLOW_UID}:0" /opt/tinhuy-data /opt/airflow \
    && chmod -R g+rwX /opt/tinhuy-data /opt/airflow
ENV PATH=/opt/tinhuy/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/tinhuy/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    TINHUY_DATA_DIR=/opt/tinhuy-data
USER ${AIRFLOW_UID}
WORKDIR /opt/airflow
ENTRYPOINT ["airflow"]
CMD ["version"]
