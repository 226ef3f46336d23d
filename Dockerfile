# syntax=docker/dockerfile:1
# The Infini sample app: a chatbot whose conversations live in Redis and survive restarts.
# Build context: the repository root (docker compose up does this). The model is not baked in: mount it at
# /app/models/infini-default (docker-compose.yml mounts ./models) or set INFINI_MODEL_PATH.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY infini-engine infini-engine
COPY infini-tools infini-tools
COPY infini-spring-ai infini-spring-ai
COPY infini-spring-boot-autoconfigure infini-spring-boot-autoconfigure
COPY infini-spring-boot-starter infini-spring-boot-starter
COPY sample-app sample-app
# The Maven repository is a BuildKit cache, so rebuilds after a code change download nothing.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -pl sample-app -am package -Dmaven.test.skip=true \
 && cp sample-app/target/sample-app-*.jar /src/app.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system infini && useradd --system --gid infini --home-dir /app infini \
 && mkdir -p /app/models /app/.djl.ai && chown -R infini:infini /app
WORKDIR /app
COPY --from=build --chown=infini:infini /src/app.jar /app/app.jar
USER infini
# DJL must never phone home; its PyTorch natives are unpacked from the jar into /app/.djl.ai.
ENV OPT_OUT_TRACKING=true \
    DJL_CACHE_DIR=/app/.djl.ai \
    INFINI_MODEL_PATH=/app/models/infini-default \
    JAVA_TOOL_OPTIONS="-Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xss4m"
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
