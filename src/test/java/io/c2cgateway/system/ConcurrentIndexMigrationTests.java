package io.c2cgateway.system;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.c2cgateway.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The migration pattern docs/operations.md prescribes for an index on an existing table (CREATE INDEX
 * CONCURRENTLY, alone in its migration) completes with the gateway's Flyway settings. With Flyway's
 * default transactional lock it never does: the build waits for the lock's own transaction.
 */
class ConcurrentIndexMigrationTests {

	@Test
	void aConcurrentIndexBuildInItsOwnMigrationCompletesWithTheGatewaysFlywaySettings() throws IOException {
		PropertySource<?> settings = new YamlPropertySourceLoader()
			.load("application", new ClassPathResource("application.yml"))
			.get(0);
		Object transactionalLock = settings.getProperty("spring.flyway.postgresql.transactional-lock");
		assertThat(transactionalLock).as("spring.flyway.postgresql.transactional-lock in application.yml").isNotNull();

		Map<String, String> db = TestDatabase.properties();
		String schema = "concurrent_probe_" + UUID.randomUUID().toString().substring(0, 8);
		DriverManagerDataSource dataSource = new DriverManagerDataSource(db.get("spring.datasource.url"),
				db.get("spring.datasource.username"), db.get("spring.datasource.password"));
		Flyway flyway = Flyway.configure()
			.dataSource(dataSource)
			.schemas(schema)
			.createSchemas(true)
			.locations("classpath:db/concurrent-index-probe")
			.configuration(Map.of("flyway.postgresql.transactional.lock", transactionalLock.toString()))
			.load();
		try {
			MigrateResult result = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> flyway.migrate());

			assertThat(result.migrationsExecuted).isEqualTo(2);
			assertThat(JdbcClient.create(dataSource)
				.sql("select i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid"
						+ " join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relname = 'probe_name'")
				.param(schema)
				.query(Boolean.class)
				.single()).isTrue();
		}
		finally {
			JdbcClient.create(dataSource).sql("drop schema " + schema + " cascade").update();
		}
	}

}
