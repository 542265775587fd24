package io.c2cgateway.polling;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.boot.jdbc.test.autoconfigure.JdbcTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.transaction.PlatformTransactionManager;

import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.support.TestDatabaseInitializer;

import static io.c2cgateway.system.SqlTime.utc;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's SQL against the shared test database, without the application: JDBC, Flyway and
 * this store only. Each test runs in a transaction that is rolled back.
 */
@JdbcTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
@ContextConfiguration(initializers = TestDatabaseInitializer.class)
@ActiveProfiles("test")
class PollStoreFencingTests {

	private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private PlatformTransactionManager transactions;

	private PollStore store;

	@BeforeEach
	void store() {
		this.store = new PollStore(this.jdbc, this.transactions);
	}

	@Test
	void finishFromAnOwnerWithAStaleEpochOrAnotherNameChangesNothing() {
		UUID id = pendingPairingLeasedTo("replica-a~1", 2);
		Decision.Finish failed = new Decision.Finish(PairingStatus.FAILED, "invalid_client", NOW, NOW);

		assertThat(this.store.finish("replica-a~1", id, 1, failed)).as("stale epoch").isFalse();
		assertThat(this.store.finish("replica-b~1", id, 2, failed)).as("another owner").isFalse();
		assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("version", 1L)
			.containsEntry("lease_owner", "replica-a~1");

		assertThat(this.store.finish("replica-a~1", id, 2, failed)).isTrue();
		assertThat(row(id)).containsEntry("status", "FAILED").containsEntry("version", 2L)
			.containsEntry("failure_reason", "invalid_client").containsEntry("lease_owner", null)
			.containsEntry("device_code_enc", null);
	}

	@Test
	void aFinishedPairingIsNeitherFinishedAgainNorAuthorized() {
		UUID id = pendingPairingLeasedTo("replica-a~1", 1);
		assertThat(this.store.finish("replica-a~1", id, 1, new Decision.Finish(PairingStatus.DENIED, null, NOW, NOW)))
			.isTrue();

		assertThat(this.store.finish("replica-a~1", id, 1, new Decision.Finish(PairingStatus.EXPIRED, null, NOW, NOW)))
			.isFalse();
		assertThat(this.store.authorize(id, NOW.plusSeconds(1))).isFalse();
		assertThat(row(id)).containsEntry("status", "DENIED").containsEntry("version", 2L);
	}

	@Test
	void authorizationIsFencedByStatusOnlySoTokensOutliveALostLease() {
		UUID id = pendingPairingLeasedTo("replica-b~7", 3);

		assertThat(this.store.authorize(id, NOW)).isTrue();
		assertThat(row(id)).containsEntry("status", PairingStatus.AUTHORIZED.name()).containsEntry("version", 2L)
			.containsEntry("lease_owner", null);
	}

	@Test
	void anUpstreamErrorLongerThanTheColumnIsCutToFitInsteadOfFailingTheWrite() {
		UUID id = pendingPairingLeasedTo("replica-a~1", 1);
		String longError = "x".repeat(500);

		assertThat(this.store.finish("replica-a~1", id, 1, new Decision.Finish(PairingStatus.FAILED, longError, NOW, NOW)))
			.isTrue();
		assertThat((String) row(id).get("failure_reason")).hasSize(128);
	}

	private UUID pendingPairingLeasedTo(String owner, long epoch) {
		UUID id = UUID.randomUUID();
		this.jdbc.update("""
				insert into pairing (id, device_id, model, client_version, url_pairing, status, device_code_enc,
				    codes_issued, interval_s, expires_at, created_at, updated_at, created_by, created_by_key_id, version,
				    next_poll_at, lease_owner, lease_epoch)
				values (?, ?, 'cam-x', '1.0.0', false, 'PENDING', 'sealed', 1, 5, ?, ?, ?, 'station', ?, 1, ?, ?, ?)
				""", id, "SN-" + id, utc(NOW.plusSeconds(900)), utc(NOW), utc(NOW), UUID.randomUUID(),
				utc(NOW.plusSeconds(5)), owner, epoch);
		return id;
	}

	private Map<String, Object> row(UUID id) {
		return this.jdbc.queryForMap(
				"select status, version, lease_owner, failure_reason, device_code_enc from pairing where id = ?", id);
	}

}
