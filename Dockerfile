# The refgraph API. With Docker it always uses the Neo4j that NEO4J_URI names
# (docker-compose.yml runs neo4j:5.26-community beside it), so no Java is needed here.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY service ./service
COPY cypher ./cypher
COPY docs/refgraph.grass ./docs/refgraph.grass
RUN pip install --no-cache-dir -c requirements.lock -e .
ENV REFGRAPH_API_HOST=0.0.0.0 REFGRAPH_API_PORT=8000
EXPOSE 8000
CMD ["refgraph", "serve", "--demo-if-empty"]
