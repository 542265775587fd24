# syntax=docker/dockerfile:1

# Build: the wrapper and the POM go in first so that the dependency layer is rebuilt only when
# the build definition changes, not on every source edit.
FROM eclipse-temurin:25-jdk AS build
WORKDIR /workspace
COPY --chmod=0755 mvnw ./
COPY .mvn/ .mvn/
COPY pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN ./mvnw -B -DskipTests package \
    && cp target/c2c-gateway-*.jar application.jar
# The runtime image is a JRE without curl or wget; the health check is a compiled class instead.
RUN javac -d healthcheck src/main/docker/HealthCheck.java

# Extract: Boot's layered jar, so that dependencies (which rarely change) and application classes
# (which change every build) end up in separate image layers.
FROM eclipse-temurin:25-jre AS extract
WORKDIR /extract
COPY --from=build /workspace/application.jar ./
RUN java -Djarmode=tools -jar application.jar extract --layers --launcher --destination extracted

FROM eclipse-temurin:25-jre
# What is running, for registries and scanners (OCI annotations). The build passes them, e.g.
#   --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)"
#   --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" --build-arg SOURCE=<repository URL>
# .git is not copied into the build, so the revision also goes to /actuator/info (info.image.*).
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="c2c-gateway" \
      org.opencontainers.image.description="Provisioning gateway for Frame.io Camera to Cloud devices" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
ENV INFO_IMAGE_VERSION="${VERSION}" \
    INFO_IMAGE_REVISION="${REVISION}"
# A fixed numeric id, so that Kubernetes can verify runAsNonRoot and manifests can name it.
RUN groupadd --system --gid 10001 gateway \
    && useradd --system --uid 10001 --gid gateway --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin gateway
WORKDIR /application
# Least to most frequently changing, so that a rebuild reuses the dependency layers.
COPY --from=extract /extract/extracted/dependencies/ ./
COPY --from=extract /extract/extracted/spring-boot-loader/ ./
COPY --from=extract /extract/extracted/snapshot-dependencies/ ./
COPY --from=extract /extract/extracted/application/ ./
COPY --from=build /workspace/healthcheck/ /opt/healthcheck/

# CDS=true runs the application once, up to the refreshed context, and keeps the loaded classes
# in an archive that shortens every later start. That run needs a database and crypto keys, which
# come as a build secret (an env file) so that they stay out of the image; see docs/operations.md.
# Off by default so that a plain build needs nothing but the sources.
ARG CDS=false
# The Dockerfile linter hands RUN flags to ShellCheck as if they were the command; its findings
# on this one instruction are about --mount, not the script.
# linter ignore=SC2215,SC1089
RUN --mount=type=secret,id=cds-training,required=false \
    if [ "$CDS" = "true" ]; then \
      [ -f /run/secrets/cds-training ] \
        || { echo "CDS=true needs --secret id=cds-training,src=<env file>" >&2; exit 1; }; \
      set -a && . /run/secrets/cds-training && set +a \
      && java -XX:ArchiveClassesAtExit=application.jsa -Dspring.context.exit=onRefresh \
           -cp . org.springframework.boot.loader.launch.JarLauncher \
      && echo "-XX:SharedArchiveFile=/application/application.jsa" > jvm.args; \
    else \
      : > jvm.args; \
    fi

USER 10001:10001
EXPOSE 8080
# Liveness, not readiness: a database outage must not mark the container itself unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx16m", "-cp", "/opt/healthcheck", "HealthCheck"]
# Exec form, so the JVM is PID 1 and receives SIGTERM for Boot's graceful shutdown.
# Heap follows the container's memory limit. G1 is named because with under 2 CPUs or ~1.8 GB
# the JVM would otherwise pick the serial collector. Out of memory ends the process so the orchestrator replaces
# it. The crash log goes to /tmp because the root filesystem may be read-only. jvm.args holds the
# CDS flag when the image was built with one, else nothing; JAVA_TOOL_OPTIONS adds more flags.
ENTRYPOINT ["java", \
    "-XX:MaxRAMPercentage=75", \
    "-XX:+UseG1GC", \
    "-XX:+ExitOnOutOfMemoryError", \
    "-XX:ErrorFile=/tmp/hs_err_pid%p.log", \
    "@/application/jvm.args", \
    "-cp", ".", \
    "org.springframework.boot.loader.launch.JarLauncher"]
