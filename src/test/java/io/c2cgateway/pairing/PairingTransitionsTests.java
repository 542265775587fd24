package io.c2cgateway.pairing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.pairing.PairingTransitions.LeaseFence;
import io.c2cgateway.support.StoreSlice;
import io.c2cgateway.webhook.Outbox;

import static io.c2cgateway.system.SqlTime.utc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The pairing's state machine against the shared test database, without the application: JDBC,
 * Flyway, the audit log and the transitions only; the outbox is a recorder. Each test runs in a
 * transaction that is rolled back, but for the meter's, which must see commits.
 */
@StoreSlice
@Import({ AuditLog.class, PairingTransitionsTests.Config.class })
class PairingTransitionsTests {

	private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

	private static final LeaseFence LEASE = new LeaseFence("replica-a~1", 2);

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private PlatformTransactionManager transactions;

	@Autowired
	private AuditLog audit;

	private final List<String> published = new ArrayList<>();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private PairingTransitions transitions;

	@BeforeEach
	void transitions() {
		Outbox recorder = (type, subjectType, subjectId, at) -> {
			// The outbox's contract: called in the change's transaction, after the row is written.
			assertThat(TransactionSynchronizationManager.isActualTransactionActive()).isTrue();
			this.published.add(type + " " + subjectType + ":" + subjectId);
		};
		this.transitions = new PairingTransitions(this.jdbc, this.transactions, this.audit, recorder, this.meters);
	}

	@Test
	void finishWithAStaleEpochOrAnotherOwnerChangesNothing() {
		UUID id = pendingPairingLeasedTo(LEASE);

		assertThat(finish(id, new LeaseFence(LEASE.owner(), 1), PairingStatus.FAILED, "invalid_client")).as("stale epoch")
			.isFalse();
		assertThat(finish(id, new LeaseFence("replica-b~1", 2), PairingStatus.FAILED, "invalid_client")).as("another owner")
			.isFalse();

		assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("version", 1L)
			.containsEntry("lease_owner", LEASE.owner());
		assertThat(auditActions(id)).isEmpty();
		assertThat(this.published).isEmpty();
	}

	@Test
	void finishUnderTheLeaseWritesTheStatusOnceWithOneAuditRowAndOneOutboxEvent() {
		UUID id = pendingPairingLeasedTo(LEASE);

		assertThat(finish(id, LEASE, PairingStatus.FAILED, "invalid_client")).isTrue();
		assertThat(finish(id, LEASE, PairingStatus.EXPIRED, null)).as("already finished").isFalse();

		assertThat(row(id)).containsEntry("status", "FAILED").containsEntry("version", 2L)
			.containsEntry("failure_reason", "invalid_client").containsEntry("lease_owner", null)
			.containsEntry("device_code_enc", null).containsEntry("next_poll_at", null);
		assertThat(auditActions(id)).containsExactly("pairing.failed failureReason=invalid_client");
		assertThat(this.published).containsExactly("pairing.failed pairing:" + id);
	}

	@Test
	void authorizationIsFencedByStatusOnlySoTokensOutliveALostLease() {
		UUID id = pendingPairingLeasedTo(new LeaseFence("replica-b~7", 3));
		List<String> stored = new ArrayList<>();

		assertThat(this.transitions.authorize(id, "SN-1", NOW, "engine", () -> stored.add("tokens"))).isTrue();

		assertThat(stored).containsExactly("tokens");
		assertThat(row(id)).containsEntry("status", "AUTHORIZED").containsEntry("version", 2L)
			.containsEntry("lease_owner", null).containsEntry("device_code_enc", null);
		assertThat(auditActions(id)).containsExactly("pairing.authorized deviceId=SN-1");
		assertThat(this.published).containsExactly("pairing.authorized pairing:" + id);
	}

	@Test
	void authorizeAfterCancelChangesNothingAndStoresNoTokens() {
		UUID id = pendingPairingLeasedTo(LEASE);
		assertThat(this.transitions.cancel(id, NOW, "station")).isTrue();
		List<String> stored = new ArrayList<>();

		assertThat(this.transitions.authorize(id, "SN-1", NOW.plusSeconds(1), "engine", () -> stored.add("tokens")))
			.isFalse();

		assertThat(stored).isEmpty();
		assertThat(row(id)).containsEntry("status", "CANCELLED").containsEntry("version", 2L);
		assertThat(auditActions(id)).containsExactly("pairing.cancelled null");
		assertThat(this.published).containsExactly("pairing.cancelled pairing:" + id);
	}

	@Test
	void cancelAfterAuthorizeOrFinishChangesNothing() {
		UUID authorized = pendingPairingLeasedTo(LEASE);
		UUID denied = pendingPairingLeasedTo(LEASE);
		assertThat(this.transitions.authorize(authorized, "SN-1", NOW, "engine", () -> {
		})).isTrue();
		assertThat(finish(denied, LEASE, PairingStatus.DENIED, null)).isTrue();

		assertThat(this.transitions.cancel(authorized, NOW.plusSeconds(1), "station")).isFalse();
		assertThat(this.transitions.cancel(denied, NOW.plusSeconds(1), "station")).isFalse();

		assertThat(row(authorized)).containsEntry("status", "AUTHORIZED").containsEntry("version", 2L);
		assertThat(row(denied)).containsEntry("status", "DENIED").containsEntry("version", 2L);
		assertThat(auditActions(authorized)).containsExactly("pairing.authorized deviceId=SN-1");
		assertThat(auditActions(denied)).containsExactly("pairing.denied null");
	}

	@Test
	void tokensThatCannotBeStoredLeaveThePairingPendingWithoutEvents() {
		UUID id = pendingPairingLeasedTo(LEASE);

		// The caller's transaction, nested in the test's so that its rollback is seen here.
		TransactionTemplate caller = new TransactionTemplate(this.transactions);
		caller.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
		assertThatIllegalStateException().isThrownBy(() -> caller
			.executeWithoutResult((status) -> this.transitions.authorize(id, "SN-1", NOW, "engine", () -> {
				throw new IllegalStateException("custody refused");
			})));

		assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("version", 1L);
		assertThat(auditActions(id)).isEmpty();
	}

	@Test
	void aFailureReasonLongerThanTheColumnIsRefusedBeforeAnyWrite() {
		UUID id = pendingPairingLeasedTo(LEASE);

		assertThatIllegalArgumentException()
			.isThrownBy(() -> finish(id, LEASE, PairingStatus.FAILED, "x".repeat(PairingTransitions.FAILURE_REASON_LENGTH + 1)))
			.withMessageContaining("128");
		assertThat(finish(id, LEASE, PairingStatus.FAILED, "x".repeat(PairingTransitions.FAILURE_REASON_LENGTH))).isTrue();
	}

	@Test
	void theEngineEndsPairingsOnlyExpiredDeniedOrFailed() {
		UUID id = pendingPairingLeasedTo(LEASE);

		for (PairingStatus other : List.of(PairingStatus.PENDING, PairingStatus.AUTHORIZED, PairingStatus.CANCELLED)) {
			assertThatIllegalArgumentException().isThrownBy(() -> finish(id, LEASE, other, null));
		}
		assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("version", 1L);
	}

	@Test
	@Transactional(propagation = Propagation.NOT_SUPPORTED)
	void theFinishedMeterCountsAChangeOnceItsTransactionCommitsAndNeverOneRolledBack() {
		TransactionTemplate tx = new TransactionTemplate(this.transactions);
		UUID rolledBack = tx.execute((status) -> pendingPairingLeasedTo(LEASE));
		UUID committed = tx.execute((status) -> pendingPairingLeasedTo(LEASE));
		try {
			tx.executeWithoutResult((status) -> {
				assertThat(this.transitions.cancel(rolledBack, NOW, "station")).isTrue();
				status.setRollbackOnly();
			});
			assertThat(cancelledMeter()).isZero();

			tx.executeWithoutResult((status) -> {
				assertThat(this.transitions.cancel(committed, NOW, "station")).isTrue();
				assertThat(cancelledMeter()).as("not before the commit").isZero();
			});
			assertThat(cancelledMeter()).isEqualTo(1);
			assertThat(this.transitions.cancel(committed, NOW, "station")).as("its own transaction, refused").isFalse();
			assertThat(cancelledMeter()).isEqualTo(1);
			assertThat(row(rolledBack)).containsEntry("status", "PENDING");
		}
		finally {
			for (UUID id : List.of(rolledBack, committed)) {
				this.jdbc.sql("delete from audit_event where subject_type = 'pairing' and subject_id = ?")
					.param(id.toString())
					.update();
				this.jdbc.sql("delete from pairing where id = ?").param(id).update();
			}
		}
	}

	private boolean finish(UUID id, LeaseFence fence, PairingStatus to, String reason) {
		return this.transitions.finish(id, fence, to, reason, NOW, NOW, "engine");
	}

	private double cancelledMeter() {
		var counter = this.meters.find("gateway.pairings.finished").tag("outcome", "CANCELLED").counter();
		return (counter != null) ? counter.count() : 0;
	}

	private UUID pendingPairingLeasedTo(LeaseFence lease) {
		UUID id = UUID.randomUUID();
		this.jdbc.sql("""
				insert into pairing (id, device_id, model, client_version, url_pairing, status, device_code_enc,
				    codes_issued, interval_s, expires_at, created_at, updated_at, created_by, created_by_key_id, version,
				    next_poll_at, lease_owner, lease_epoch)
				values (?, ?, 'cam-x', '1.0.0', false, 'PENDING', 'sealed', 1, 5, ?, ?, ?, 'station', ?, 1, ?, ?, ?)
				""")
			.params(id, "SN-" + id, utc(NOW.plusSeconds(900)), utc(NOW), utc(NOW), UUID.randomUUID(),
					utc(NOW.plusSeconds(5)), lease.owner(), lease.epoch())
			.update();
		return id;
	}

	private Map<String, Object> row(UUID id) {
		return this.jdbc
			.sql("select status, version, lease_owner, failure_reason, device_code_enc, next_poll_at from pairing where id = ?")
			.param(id)
			.query()
			.singleRow();
	}

	private List<String> auditActions(UUID id) {
		return this.jdbc
			.sql("select action || ' ' || coalesce(detail, 'null') from audit_event where subject_type = 'pairing'"
					+ " and subject_id = ? order by id")
			.param(id.toString())
			.query(String.class)
			.list();
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Config {

		@Bean
		Clock clock() {
			return Clock.fixed(NOW, ZoneOffset.UTC);
		}

	}

}
