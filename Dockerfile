# The refgraph API. With Docker it always uses the Neo4j that NEO4J_URI names
# (docker-compose.yml runs neo4j:5.26-community beside it), so no Java is needed here.
# The image installs refgraph's wheel (queries, migrations and reports are package data),
# with the exact versions of requirements.lock.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY cypher ./cypher
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
COPY requirements.lock /tmp/requirements.lock
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir -c /tmp/requirements.lock /wheels/*.whl && rm -rf /wheels
WORKDIR /app
ENV REFGRAPH_API_HOST=0.0.0.0 REFGRAPH_API_PORT=8000
EXPOSE 8000
CMD ["refgraph", "serve", "--demo-if-empty"]
