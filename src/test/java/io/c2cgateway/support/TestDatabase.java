package io.c2cgateway.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one place that decides where tests and local runs get PostgreSQL: a Testcontainers
 * container where a Docker-compatible engine answers, an embedded PostgreSQL otherwise. Started
 * once per JVM. The system property (or environment variable) {@value #CHOICE_PROPERTY} /
 * {@code C2C_TEST_DATABASE} set to {@code container} or {@code embedded} overrides the detection.
 */
public final class TestDatabase {

	static final String CHOICE_PROPERTY = "c2c.test-database";

	private static final String CHOICE_VARIABLE = "C2C_TEST_DATABASE";

	private static final String IMAGE = "postgres:16.6-alpine";

	/** Where the database comes from. */
	enum Source {

		CONTAINER, EMBEDDED

	}

	private static Map<String, String> properties;

	private static Source source;

	private TestDatabase() {
	}

	/** Spring datasource properties of the shared test database. */
	public static synchronized Map<String, String> properties() {
		if (properties == null) {
			source = choose(preference(), TestDatabase::dockerAvailable);
			properties = (source == Source.CONTAINER) ? container(false) : embedded(null);
		}
		return properties;
	}

	/**
	 * The database of a local run ({@code ./mvnw spring-boot:test-run}): a container where a Docker
	 * engine answers (kept across runs when Testcontainers' reuse is switched on), else an embedded
	 * PostgreSQL keeping its data in {@code dataDirectory}.
	 */
	public static synchronized Map<String, String> persistent(Path dataDirectory) {
		if (properties == null) {
			source = choose(preference(), TestDatabase::dockerAvailable);
			properties = (source == Source.CONTAINER) ? container(true) : embedded(dataDirectory);
		}
		return properties;
	}

	/** Where the database of this JVM came from; starts it if need be. */
	static synchronized Source source() {
		properties();
		return source;
	}

	/**
	 * The decision: an explicit {@code container} or {@code embedded} wins; otherwise a container
	 * when a Docker engine answers. The engine is asked only when nothing was chosen.
	 */
	static Source choose(String preference, BooleanSupplier dockerAnswers) {
		String choice = (preference != null) ? preference.strip().toLowerCase(Locale.ROOT) : "";
		return switch (choice) {
			case "container" -> Source.CONTAINER;
			case "embedded" -> Source.EMBEDDED;
			case "", "auto" -> dockerAnswers.getAsBoolean() ? Source.CONTAINER : Source.EMBEDDED;
			default -> throw new IllegalArgumentException(
					CHOICE_PROPERTY + " must be container, embedded or auto, not '" + preference + "'");
		};
	}

	private static String preference() {
		String property = System.getProperty(CHOICE_PROPERTY);
		return (property != null) ? property : System.getenv(CHOICE_VARIABLE);
	}

	/**
	 * Asks Testcontainers, which tries its own strategies in turn: {@code DOCKER_HOST} and
	 * {@code docker.host}, {@code tc.host} / {@code docker.host} in {@code ~/.testcontainers.properties}
	 * (how Colima, Rancher Desktop, Podman or a remote engine are usually configured), the Unix socket,
	 * Docker Desktop's socket in the home folder, rootless Docker, Windows' named pipe. Without an
	 * engine it logs an error per failed strategy: those loggers are muted for the probe, since an
	 * embedded PostgreSQL is the normal outcome then.
	 */
	static boolean dockerAvailable() {
		Logger testcontainers = (LoggerFactory.getLogger("org.testcontainers") instanceof Logger logger) ? logger
				: null;
		Level level = (testcontainers != null) ? testcontainers.getLevel() : null;
		if (testcontainers != null) {
			testcontainers.setLevel(Level.OFF);
		}
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
		finally {
			if (testcontainers != null) {
				testcontainers.setLevel(level);
			}
		}
	}

	@SuppressWarnings("resource")
	private static Map<String, String> container(boolean reuse) {
		PostgreSQLContainer container = new PostgreSQLContainer(IMAGE).withReuse(reuse);
		container.start();
		if (!reuse) {
			Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
		}
		return Map.of("spring.datasource.url", container.getJdbcUrl(), "spring.datasource.username",
				container.getUsername(), "spring.datasource.password", container.getPassword());
	}

	private static Map<String, String> embedded(Path dataDirectory) {
		try {
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
				.setServerConfig("max_connections", "300")
				.setServerConfig("fsync", (dataDirectory != null) ? "on" : "off")
				.setServerConfig("synchronous_commit", (dataDirectory != null) ? "on" : "off");
			if (dataDirectory != null) {
				builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
			}
			EmbeddedPostgres postgres = builder.start();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					postgres.close();
				}
				catch (IOException ex) {
					// the JVM is going away either way
				}
			}));
			return Map.of("spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"),
					"spring.datasource.username", "postgres", "spring.datasource.password", "");
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start an embedded PostgreSQL", ex);
		}
	}

}
