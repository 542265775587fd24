package io.c2cgateway.polling;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.pairing.PairingTransitions;
import io.c2cgateway.support.StoreSlice;

import static io.c2cgateway.system.SqlTime.utc;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's SQL against the shared test database, without the application: JDBC, Flyway and
 * this store only. Each test runs in a transaction that is rolled back. Its status changes are
 * {@code PairingTransitionsTests}'.
 */
@StoreSlice
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
	void scheduleWritesFromAnOwnerWithAStaleEpochOrAnotherNameChangeNothing() {
		UUID id = pendingPairingLeasedTo("replica-a~1", 2);

		assertThat(this.store.reschedule("replica-a~1", List.of(reschedule(id, 1)))).as("stale epoch").containsExactly(false);
		assertThat(this.store.reschedule("replica-b~1", List.of(reschedule(id, 2)))).as("another owner")
			.containsExactly(false);
		assertThat(this.store.codeDead("replica-a~1", id, 1, codeDead())).as("stale epoch").isFalse();
		assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("version", 1L)
			.containsEntry("lease_owner", "replica-a~1");

		assertThat(this.store.reschedule("replica-a~1", List.of(reschedule(id, 2)))).containsExactly(true);
		assertThat(this.store.codeDead("replica-a~1", id, 2, codeDead())).isTrue();
		assertThat(row(id)).as("schedule writes are not status changes").containsEntry("status", "PENDING")
			.containsEntry("version", 3L).containsEntry("lease_owner", "replica-a~1");
	}

	@Test
	void aFinishedPairingGetsNoScheduleWrite() {
		UUID id = pendingPairingLeasedTo("replica-a~1", 1);
		this.jdbc.update("update pairing set status = 'DENIED', lease_owner = null where id = ?", id);

		assertThat(this.store.reschedule("replica-a~1", List.of(reschedule(id, 1)))).containsExactly(false);
		assertThat(row(id)).containsEntry("status", "DENIED").containsEntry("version", 1L);
	}

	@Test
	void anUpstreamErrorLongerThanTheColumnIsCutToFitInsteadOfFailingTheWrite() {
		Decision.Finish failed = new Decision.Finish(PairingStatus.FAILED, "x".repeat(500), NOW, NOW);

		assertThat(failed.failureReason()).hasSize(PairingTransitions.FAILURE_REASON_LENGTH);
	}

	@Test
	void stillHeldNamesOnlyPendingPairingsLeasedToTheAskingOwnerWithTheirEpoch() {
		UUID mine = pendingPairingLeasedTo("replica-a~1", 3);
		UUID theirs = pendingPairingLeasedTo("replica-b~1", 1);
		UUID finished = pendingPairingLeasedTo("replica-a~1", 1);
		this.jdbc.update("update pairing set status = 'CANCELLED' where id = ?", finished);

		assertThat(this.store.stillHeld("replica-a~1", List.of(mine, theirs, finished, UUID.randomUUID())))
			.containsExactly(Map.entry(mine, 3L));
	}

	@Test
	void stillHeldNeverWalksThePendingRowsEvenWhileStatisticsCountFewOfThem() {
		// Pending rows the statistics have not seen yet, as after a burst of new pairings: a query
		// that also filtered on status was planned over the pending-only index, reading every one.
		this.jdbc.execute("analyze pairing");
		for (int i = 0; i < 2000; i++) {
			pendingPairingLeasedTo("replica-a~1", 1);
		}
		String plan = plan(PollStore.STILL_HELD, (connection, explain) -> explain.setArray(1,
				connection.createArrayOf("uuid", new Object[] { UUID.randomUUID() })));

		// Which index on id the planner takes depends on what the statistics saw (the primary key once
		// they count rows); what must never happen is a walk over the pending rows.
		assertThat(plan).contains("id = ANY").doesNotContain("pairing_one_pending_per_device").doesNotContain("pairing_due");
	}

	@Test
	void claimTakesUnownedPairingsAndThoseOfDeadOrForgottenReplicasButNotALiveOnesOrItsOwn() {
		this.jdbc.update("insert into gateway_instance (id, started_at, lease_until) values "
				+ "('live~1', now(), now() + interval '1 minute'), ('dead~1', now(), now() - interval '1 second'), "
				+ "('me~1', now(), now() + interval '1 minute')");
		UUID unowned = pendingPairingLeasedTo(null, 0);
		UUID ofDead = pendingPairingLeasedTo("dead~1", 4);
		UUID ofForgotten = pendingPairingLeasedTo("gone~1", 2);
		UUID ofLive = pendingPairingLeasedTo("live~1", 1);
		UUID mine = pendingPairingLeasedTo("me~1", 1);
		UUID finished = pendingPairingLeasedTo(null, 0);
		this.jdbc.update("update pairing set status = 'CANCELLED' where id = ?", finished);
		UUID notDueYet = pendingPairingLeasedTo(null, 0);
		this.jdbc.update("update pairing set next_poll_at = ? where id = ?", utc(NOW.plusSeconds(60)), notDueYet);

		List<PollStore.ClaimedRow> claimed = this.store.claim("me~1", NOW, NOW.plusSeconds(10), 100);

		assertThat(claimed).extracting(PollStore.ClaimedRow::id).containsExactlyInAnyOrder(unowned, ofDead, ofForgotten);
		Map<UUID, PollStore.ClaimedRow> byId = claimed.stream()
			.collect(java.util.stream.Collectors.toMap(PollStore.ClaimedRow::id, (row) -> row));
		assertThat(byId.get(unowned).previousOwner()).isNull();
		assertThat(byId.get(ofDead).previousOwner()).isEqualTo("dead~1");
		assertThat(byId.get(ofDead).epoch()).isEqualTo(5);
		assertThat(byId.get(ofForgotten).previousOwner()).isEqualTo("gone~1");
		assertThat(row(ofLive)).containsEntry("lease_owner", "live~1");
		assertThat(row(mine)).containsEntry("lease_owner", "me~1");
		assertThat(row(notDueYet).get("lease_owner")).isNull();
		assertThat(this.store.claim("me~1", NOW, NOW.plusSeconds(10), 1)).as("limit").isEmpty();
	}

	@Test
	void claimTakesNoMoreThanTheLimitAndTheEarliestDueFirst() {
		UUID later = pendingPairingLeasedTo(null, 0);
		this.jdbc.update("update pairing set next_poll_at = ? where id = ?", utc(NOW.plusSeconds(8)), later);
		UUID earlier = pendingPairingLeasedTo("forgotten~9", 0);
		this.jdbc.update("update pairing set next_poll_at = ? where id = ?", utc(NOW.plusSeconds(1)), earlier);

		assertThat(this.store.claim("me~1", NOW, NOW.plusSeconds(10), 1)).extracting(PollStore.ClaimedRow::id)
			.containsExactly(earlier);
	}

	/**
	 * Every replica claims once a second: walking every pending row to find the few nobody live holds
	 * was 30 ms of the engine's thread a second at 50,000 pending pairings.
	 */
	@Test
	void claimNeverWalksThePendingRowsOfLiveReplicas() {
		this.jdbc.update("insert into gateway_instance (id, started_at, lease_until) values "
				+ "('live~1', now(), now() + interval '1 minute')");
		for (int i = 0; i < 2000; i++) {
			pendingPairingLeasedTo("live~1", 1);
		}
		this.jdbc.execute("analyze pairing");
		List<String> plan = new org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate(this.jdbc).query(
				"explain (analyze, costs off) " + PollStore.CLAIM,
				PollStore.claimParameters("me~1", NOW, NOW.plusSeconds(10), 500), (rs, i) -> rs.getString(1));

		// A plan may name a sequential scan the statistics make cheaper on so small a table, as long as
		// it never runs; every row it would read is a live replica's.
		assertThat(plan).as(String.join("\n", plan))
			.filteredOn((line) -> line.contains("Seq Scan on pairing") && !line.contains("never executed"))
			.isEmpty();
		assertThat(String.join("\n", plan)).contains("pairing_pending_owner");
	}

	/**
	 * Alone, a replica's share is every pending pairing however many there are: counting them read
	 * every pending row before each claim, once a second (16 ms at 50,000).
	 */
	@Test
	void censusOfALoneReplicaReadsNoPendingRowAndCountsThemOnceAnotherIsLive() {
		// Replicas of other test contexts may be registered; this transaction is rolled back.
		this.jdbc.update("delete from gateway_instance");
		this.jdbc.update("insert into gateway_instance (id, started_at, lease_until) values "
				+ "('me~1', now(), now() + interval '1 minute')");
		for (int i = 0; i < 200; i++) {
			pendingPairingLeasedTo("me~1", 1);
		}
		List<String> plan = this.jdbc.queryForList("explain (analyze, costs off) " + PollStore.CENSUS, String.class);

		assertThat(plan).as(String.join("\n", plan))
			.filteredOn((line) -> line.contains("on pairing"))
			.isNotEmpty()
			.allMatch((line) -> line.contains("never executed"));
		assertThat(this.store.census().counted()).isFalse();
		PollingProperties properties = new PollingProperties(true, Duration.ofSeconds(15), Duration.ofMillis(50),
				Duration.ofSeconds(1), Duration.ofSeconds(10), 500, 256, Duration.ofSeconds(60), 500, 0.1, 20_000, null,
				Duration.ZERO);
		assertThat(FairShare.of(this.store.census(), properties).budget(0)).as("its share is all there is")
			.isEqualTo(20_000);

		this.jdbc.update("insert into gateway_instance (id, started_at, lease_until) values "
				+ "('other~1', now(), now() + interval '1 minute')");
		// Other tests' pending pairings are in the shared database too.
		PollStore.Census census = this.store.census();
		assertThat(census.live()).isEqualTo(2);
		assertThat(census.counted()).isTrue();
		assertThat(census.pending()).isGreaterThanOrEqualTo(200);
	}

	/**
	 * The write every poll makes, for a round of pairings, planned while the statistics still count
	 * few pending rows (as right after a burst of new pairings): joined with the round's ids, a plan
	 * could read "every pending row" through a partial index of them, which such statistics make look
	 * free, and walk all of them per round.
	 */
	@Test
	void scheduleWriteNeverWalksThePendingRowsWhileStatisticsCountFewOfThem() {
		List<UUID> ids = new java.util.ArrayList<>();
		for (int i = 0; i < 2000; i++) {
			ids.add(pendingPairingLeasedTo(null, 0));
		}
		// Only this test's rows: other tests' pairings are in the shared database too.
		String[] mine = ids.stream().map(UUID::toString).toArray(String[]::new);
		this.jdbc.update("update pairing set status = 'EXPIRED' where id = any(cast(? as uuid[]))", (Object) mine);
		this.jdbc.execute("analyze pairing");
		this.jdbc.update("update pairing set status = 'PENDING', lease_owner = 'replica-a~1', lease_epoch = 1 "
				+ "where id = any(cast(? as uuid[]))", (Object) mine);
		List<PollStore.Reschedule> round = ids.subList(0, 200).stream().map((id) -> reschedule(id, 1)).toList();
		String plan = plan(PollStore.RESCHEDULE,
				(connection, explain) -> PollStore.bindReschedules(connection, explain, "replica-a~1", round));

		assertThat(plan).doesNotContain("pairing_pending_owner").doesNotContain("pairing_one_pending_per_device");
	}

	@Test
	void aRoundOfScheduleWritesPassesTheFenceRowByRow() {
		UUID mine = pendingPairingLeasedTo("replica-a~1", 2);
		UUID staleEpoch = pendingPairingLeasedTo("replica-a~1", 3);
		UUID others = pendingPairingLeasedTo("replica-b~1", 2);
		UUID finished = pendingPairingLeasedTo("replica-a~1", 2);
		this.jdbc.update("update pairing set status = 'DENIED' where id = ?", finished);
		this.jdbc.update("update pairing set last_poll_at = ? where id = ?", utc(NOW.minusSeconds(60)), mine);

		boolean[] passed = this.store.reschedule("replica-a~1",
				List.of(reschedule(staleEpoch, 2), new PollStore.Reschedule(mine, 2, NOW.plusMillis(7_500_123), 7, 3, false,
						null, NOW), reschedule(others, 2), reschedule(finished, 2)));

		assertThat(passed).containsExactly(false, true, false, false);
		assertThat(row(mine)).containsEntry("interval_s", 7).containsEntry("backoff_s", 3)
			.as("an invisible write leaves the version").containsEntry("version", 1L);
		assertThat(this.jdbc.queryForObject("select next_poll_at = ? and last_poll_at = ? from pairing where id = ?",
				Boolean.class, utc(NOW.plusMillis(7_500_123)), utc(NOW.minusSeconds(60)), mine))
			.as("to the millisecond, and no poll time keeps the last one").isTrue();
		for (UUID untouched : List.of(staleEpoch, others, finished)) {
			assertThat(row(untouched)).containsEntry("version", 1L).containsEntry("interval_s", 5);
		}
	}

	/**
	 * An outcome kept while the database was away can outlive the lease it was polled under; the
	 * pairing, claimed again, may then have an outcome of the new lease in the same round.
	 */
	@Test
	void aRoundWithAPairingUnderAStaleAndTheCurrentEpochPassesOnlyTheCurrentOne() {
		UUID id = pendingPairingLeasedTo("replica-a~1", 3);

		boolean[] passed = this.store.reschedule("replica-a~1", List.of(reschedule(id, 2), reschedule(id, 3)));

		assertThat(passed).containsExactly(false, true);
		assertThat(row(id)).containsEntry("version", 2L).containsEntry("interval_s", 10);
	}

	/** The plan PostgreSQL makes for {@code statement} with the parameters {@code bind} sets, line by line. */
	private String plan(String statement, Binder bind) {
		return this.jdbc.execute((java.sql.Connection connection) -> {
			try (java.sql.PreparedStatement explain = connection.prepareStatement("explain " + statement)) {
				bind.bind(connection, explain);
				StringBuilder lines = new StringBuilder();
				try (java.sql.ResultSet rs = explain.executeQuery()) {
					while (rs.next()) {
						lines.append(rs.getString(1)).append('\n');
					}
				}
				return lines.toString();
			}
		});
	}

	private interface Binder {

		void bind(java.sql.Connection connection, java.sql.PreparedStatement statement) throws java.sql.SQLException;

	}

	private static PollStore.Reschedule reschedule(UUID id, long epoch) {
		return new PollStore.Reschedule(id, epoch, NOW.plusSeconds(10), 10, 0, true, NOW, NOW);
	}

	private static Decision.CodeDead codeDead() {
		return new Decision.CodeDead(NOW, NOW.plusSeconds(30), 30, true, NOW);
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
				"select status, version, lease_owner, failure_reason, device_code_enc, interval_s, backoff_s from pairing where id = ?", id);
	}

}
