package io.c2cgateway.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one place that decides where tests and local runs get PostgreSQL: a Testcontainers
 * container where a Docker engine runs, an embedded PostgreSQL otherwise. Started once per JVM.
 */
public final class TestDatabase {

	private static Map<String, String> properties;

	private TestDatabase() {
	}

	/** Spring datasource properties of the shared test database. */
	public static synchronized Map<String, String> properties() {
		if (properties == null) {
			properties = dockerAvailable() ? container() : embedded(null);
		}
		return properties;
	}

	/** An embedded PostgreSQL keeping its data in {@code dataDirectory}, for local runs that survive restarts. */
	public static synchronized Map<String, String> persistent(Path dataDirectory) {
		if (properties == null) {
			properties = embedded(dataDirectory);
		}
		return properties;
	}

	private static boolean dockerAvailable() {
		if (System.getenv("DOCKER_HOST") == null && !java.nio.file.Files.exists(Path.of("/var/run/docker.sock"))) {
			// Skips Testcontainers' own probing, which logs an error when there is no engine.
			return false;
		}
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

	@SuppressWarnings("resource")
	private static Map<String, String> container() {
		PostgreSQLContainer container = new PostgreSQLContainer("postgres:16.6-alpine");
		container.start();
		Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
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
