package io.c2cgateway.polling;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.DeviceCustody;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.pairing.PairingTransitions;
import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.TestDatabase;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several engines on one database, in the spirit of db-scheduler's cluster tests: every code polled
 * once per interval by exactly one replica, dead replicas' work taken over after the lease, stale
 * lease holders fenced off.
 */
class ClusterPollingTests extends IntegrationTest {

	@Autowired
	private JdbcTemplate jdbcTemplate;

	@Autowired
	private FrameioClient frameio;

	@Autowired
	private DeviceModelService models;

	@Autowired
	private SecretBox box;

	@Autowired
	private DeviceCustody custody;

	@Autowired
	private AuditLog audit;

	@Autowired
	private PlatformTransactionManager transactions;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private PairingTransitions transitions;

	private final List<String> devices = new ArrayList<>();

	private final List<PollEngine> engines = new ArrayList<>();

	@org.junit.jupiter.api.BeforeEach
	void leaveNoOtherWork() {
		// Each engine here holds its fair share of all pending pairings: leave it none of other tests',
		// and no idle shared engine counted as a live replica.
		this.engine.handBack();
		this.jdbc.sql("update pairing set status = 'CANCELLED', completed_at = now(), next_poll_at = null, "
				+ "lease_owner = null where status = 'PENDING'").update();
	}

	@AfterEach
	void stopEverything() {
		// Later tests drive the shared engine; leave them no pending work of ours.
		for (int from = 0; from < this.devices.size(); from += 1000) {
			this.jdbc.sql("update pairing set status = 'CANCELLED', completed_at = now(), lease_owner = null "
					+ "where status = 'PENDING' and device_id = any(?)")
				.param(this.devices.subList(from, Math.min(this.devices.size(), from + 1000)).toArray(new String[0]))
				.update();
		}
		this.engines.forEach(PollEngine::handBack);
	}

	private PollEngine engine(String name) {
		return engine(name + "-" + UUID.randomUUID().toString().substring(0, 6), Duration.ofSeconds(15));
	}

	private PollEngine engine(String instanceId, Duration leaseTtl) {
		// 64 calls in flight each: two engines must not swamp the in-process simulator (tests give
		// upstream calls only 3 s before they count as timed out).
		PollingProperties properties = new PollingProperties(false, leaseTtl, Duration.ofMillis(50),
				Duration.ofSeconds(1), Duration.ofSeconds(10), 500, 64, Duration.ofSeconds(60), 500, 0.1, 100000, new PollingProperties.Database(3, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(8)), Duration.ZERO);
		PollEngine engine = new PollEngine(instanceId,
				new PollStore(this.jdbcTemplate, this.transactions), this.frameio, this.models, this.box, this.custody, this.audit,
				new TransactionTemplate(this.transactions), this.clock, properties, this.meters);
		this.engines.add(engine);
		return engine;
	}

	private List<String> startPairings(int count) throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		List<String> ids = new ArrayList<>();
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			List<Future<String>> futures = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				String deviceId = newDeviceId();
				this.devices.add(deviceId);
				futures.add(pool.submit(() -> startPairing(station, deviceId, model, null).path("id").asString()));
			}
			for (Future<String> future : futures) {
				ids.add(future.get());
			}
		}
		finally {
			pool.shutdown();
		}
		return ids;
	}

	private void runConcurrently(List<PollEngine> engines) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(engines.size());
		try {
			List<Future<Integer>> futures = new ArrayList<>();
			engines.forEach((engine) -> futures.add(pool.submit(engine::runOnce)));
			for (Future<Integer> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdown();
		}
	}

	private Map<String, List<FrameioSimulator.Request>> pollsByDevice() {
		Set<String> ours = new HashSet<>(this.devices);
		Map<String, List<FrameioSimulator.Request>> byDevice = new HashMap<>();
		for (FrameioSimulator.Request request : this.simulator.requests()) {
			if ("token_poll".equals(request.endpoint()) && ours.contains(request.clientId())) {
				byDevice.computeIfAbsent(request.clientId(), (key) -> new ArrayList<>()).add(request);
			}
		}
		return byDevice;
	}

	@Test
	void twoEnginesShareTheWorkAndPollEveryCodeOncePerIntervalWithoutDuplicates() throws Exception {
		int pairings = 2000;
		startPairings(pairings);
		PollEngine first = engine("first");
		PollEngine second = engine("second");
		double unansweredBefore = unansweredPolls();
		for (int second_ = 0; second_ < 12; second_++) {
			this.clock.advance(Duration.ofSeconds(1));
			runConcurrently(List.of(first, second));
		}
		Map<String, List<FrameioSimulator.Request>> polls = pollsByDevice();
		assertThat(polls).hasSize(pairings);
		assertThat(polls.values()).allSatisfy((list) -> {
			assertThat(list).hasSizeBetween(1, 2);
			if (list.size() == 2) {
				assertThat(Duration.between(list.get(0).at(), list.get(1).at())).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
			}
		});
		// Created at t0, interval 5 s, 12 s of rounds: polled at t0+5 and t0+10, each exactly once. Only a poll
		// whose answer came too late on a loaded machine (a timeout, so a backoff) may leave a code at one.
		long polledOnce = polls.values().stream().filter((list) -> list.size() == 1).count();
		assertThat(polledOnce).isLessThanOrEqualTo((long) (unansweredPolls() - unansweredBefore));
		Map<String, Long> owners = new HashMap<>();
		this.jdbc.sql("select lease_owner, count(*) as n from pairing where device_id = any(?) group by lease_owner")
			.param(this.devices.toArray(new String[0]))
			.query((rs, row) -> owners.put(rs.getString("lease_owner"), rs.getLong("n")))
			.list();
		assertThat(owners).containsOnlyKeys(first.owner(), second.owner());
		assertThat(owners.values()).allMatch((count) -> count > 0);
		long pending = this.jdbc.sql("select count(*) from pairing where status = 'PENDING' and device_id = any(?)")
			.param(this.devices.toArray(new String[0]))
			.query(Long.class)
			.single();
		assertThat(pending).isEqualTo(pairings);
	}

	@Test
	void deadReplicasPairingsAreTakenOverAfterItsLeaseAndPolledNoSoonerThanTheInterval() throws Exception {
		String id = startPairings(1).get(0);
		String deviceId = this.devices.get(0);
		PollEngine dead = engine("dead");
		PollEngine survivor = engine("survivor");
		advanceAndRun(dead, Duration.ofSeconds(5));
		assertThat(pollsOf(deviceId)).hasSize(1);
		// The replica sent its next poll and died before writing the result down.
		this.clock.advance(Duration.ofSeconds(5));
		this.jdbc.sql("update pairing set next_poll_at = ? where id = ?")
			.params(io.c2cgateway.system.SqlTime.utc(this.clock.instant().minusSeconds(1)), UUID.fromString(id))
			.update();
		survivor.runOnce();
		assertThat(ownerOf(id)).as("the dead replica's lease has not run out yet").isEqualTo(dead.owner());

		expireLease(dead);
		double takeoversBefore = this.meters.counter("gateway.poll.lease.takeovers").count();
		survivor.runOnce();
		assertThat(ownerOf(id)).isEqualTo(survivor.owner());
		assertThat(this.meters.counter("gateway.poll.lease.takeovers").count()).isGreaterThanOrEqualTo(takeoversBefore + 1);
		assertThat(pollsOf(deviceId)).as("it may have polled unseen: wait a full interval").hasSize(1);
		assertPolledAgainOneIntervalAfterTakeover(survivor, deviceId);
	}

	@Test
	void staleLeaseHolderWritesNothingAndStopsPolling() throws Exception {
		String id = startPairings(1).get(0);
		String deviceId = this.devices.get(0);
		PollEngine stale = engine("stale");
		PollEngine fresh = engine("fresh");
		advanceAndRun(stale, Duration.ofSeconds(5));
		long staleEpoch = epochOf(id);
		String staleOwner = stale.owner();

		expireLease(stale);
		fresh.runOnce();
		assertThat(epochOf(id)).isEqualTo(staleEpoch + 1);
		JsonNode before = pairing(id);
		Object nextPollBefore = nextPollAt(id);

		// A write fenced with the old lease changes nothing.
		boolean[] passed = new PollStore(this.jdbcTemplate, this.transactions).reschedule(staleOwner,
				List.of(new PollStore.Reschedule(UUID.fromString(id), staleEpoch, this.clock.instant().plusSeconds(1), 30,
						0, true, this.clock.instant(), this.clock.instant())));
		assertThat(passed).containsExactly(false);
		assertThat(this.transitions.finish(UUID.fromString(id), new PairingTransitions.LeaseFence(staleOwner, staleEpoch),
				PairingStatus.FAILED, "stale", this.clock.instant(), null, "test"))
			.isFalse();
		assertThat(pairing(id)).isEqualTo(before);
		assertThat(nextPollAt(id)).isEqualTo(nextPollBefore);

		// The stale engine notices its lease ran out, drops what it held and never polls it again.
		advanceAndRun(stale, Duration.ofSeconds(5));
		assertThat(stale.owner()).isNotEqualTo(staleOwner);
		assertThat(ownerOf(id)).isEqualTo(fresh.owner());
		assertThat(pollsOf(deviceId)).hasSize(1);
		advanceAndRun(fresh, Duration.ofSeconds(0));
		assertThat(pollsOf(deviceId)).hasSize(2);
	}

	/**
	 * A replica that finds its own lease gone (a long stall) continues under a new name. A poll it
	 * sent under the old name may still be on its way to Frame.io: the new name claims nothing until
	 * every such poll is answered, so the reclaimed pairing's next poll, an interval after the
	 * takeover, cannot come sooner than an interval after it.
	 */
	@Test
	void replicaThatLostItsOwnLeaseReclaimsOnlyOnceItsPollsInFlightAreAnswered() throws Exception {
		String id = startPairings(1).get(0);
		String deviceId = this.devices.get(0);
		PollEngine engine = engine("stalled");
		engine.runOnce();
		this.clock.advance(Duration.ofSeconds(5));
		this.simulator.inject(Fault.delay("token_poll", deviceId, Duration.ofMillis(1500)));
		assertThat(engine.dispatchNow()).isEqualTo(1);
		String lostName = engine.owner();

		expireLease(engine);
		engine.cycleOnce(0, true);
		assertThat(engine.owner()).as("a new lease generation").isNotEqualTo(lostName);
		// The new name registers and would claim at once; the old poll is held 1.5 s by Frame.io.
		for (int i = 0; i < 3; i++) {
			// As a pairing created meanwhile would: claim now, not at the next claim period.
			engine.wake();
			engine.cycleOnce(0, true);
			assertThat(ownerOf(id)).as("not reclaimed while the old poll is in flight").isNotEqualTo(engine.owner());
		}

		await().atMost(Duration.ofSeconds(10)).until(() -> {
			engine.cycleOnce(50, false);
			return engine.owner().equals(ownerOf(id));
		});
		assertThat(pollsOf(deviceId)).hasSize(1);
		this.clock.advance(Duration.ofSeconds(5));
		engine.runOnce();
		assertThat(pollsOf(deviceId)).as("polled again an interval after the takeover").hasSize(2);
	}

	/**
	 * Found by the rebalance benchmark under heavy load: an engine starved long enough for its lease
	 * to run out between deciding what is due and sending it sent anyway, after another replica
	 * could have taken the pairings over. Validity is checked again right before sending.
	 */
	@Test
	void engineWhoseLeaseRanOutWhileItCheckedItsDuePairingsSendsNothing() throws Exception {
		startPairings(1);
		String deviceId = this.devices.get(0);
		PollEngine engine = engine("starved-" + UUID.randomUUID().toString().substring(0, 6), Duration.ofSeconds(2));
		engine.runOnce();
		this.clock.advance(Duration.ofSeconds(5));
		Map<String, String> database = TestDatabase.properties();
		ExecutorService sender = Executors.newSingleThreadExecutor();
		try (Connection migration = DriverManager.getConnection(database.get("spring.datasource.url"),
				database.get("spring.datasource.username"), database.get("spring.datasource.password"))) {
			migration.setAutoCommit(false);
			try (Statement statement = migration.createStatement()) {
				statement.execute("lock table pairing in access exclusive mode");
			}
			Future<Integer> sent = sender.submit(engine::dispatchNow);
			// The fault lasts longer than the lease's 1 s of sending validity; the check waits on the lock meanwhile.
			Thread.sleep(2500);
			migration.rollback();
			assertThat(sent.get()).as("nothing sent after the lease ran out").isZero();
		}
		finally {
			sender.shutdownNow();
		}
		assertThat(pollsOf(deviceId)).isEmpty();
	}

	@Test
	void gracefulShutdownHandsPairingsBackWithTheirScheduleIntact() throws Exception {
		String id = startPairings(1).get(0);
		PollEngine leaving = engine("leaving");
		PollEngine staying = engine("staying");
		advanceAndRun(leaving, Duration.ofSeconds(5));
		Object scheduled = nextPollAt(id);
		leaving.handBack();
		assertThat(this.jdbc.sql("select lease_owner from pairing where id = ?").param(UUID.fromString(id))
			.query(String.class).optional()).isEmpty();
		staying.runOnce();
		assertThat(ownerOf(id)).isEqualTo(staying.owner());
		assertThat(nextPollAt(id)).isEqualTo(scheduled);
	}

	@Test
	void replicaRestartedUnderTheSameNamePollsWhatItsPredecessorHeldOnceTheOldLeaseRunsOut() throws Exception {
		String id = startPairings(1).get(0);
		String deviceId = this.devices.get(0);
		String podName = "pod-" + UUID.randomUUID().toString().substring(0, 6);
		PollEngine killed = engine(podName, Duration.ofSeconds(2));
		advanceAndRun(killed, Duration.ofSeconds(5));
		assertThat(pollsOf(deviceId)).hasSize(1);

		// SIGKILL: no hand-back. Kubernetes restarts the container under the same pod name.
		PollEngine restarted = engine(podName, Duration.ofSeconds(2));
		long started = System.nanoTime();
		long deadline = started + Duration.ofSeconds(15).toNanos();
		restarted.runOnce();
		while (!restarted.owner().equals(ownerOf(id)) && System.nanoTime() < deadline) {
			Thread.sleep(100);
			restarted.runOnce();
		}
		assertThat(ownerOf(id)).as("taken over by the restarted process").isEqualTo(restarted.owner());
		System.out.printf("same-name restart: taken over %d ms after the restart (lease TTL 2 s)%n",
				Duration.ofNanos(System.nanoTime() - started).toMillis());
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2 + 2));
		assertThat(killed.owner()).isNotEqualTo(restarted.owner());
		assertPolledAgainOneIntervalAfterTakeover(restarted, deviceId);
	}

	@Test
	void answersReceivedWhenTheHeartbeatFailsAreWrittenOnceTheDatabaseTakesWritesAgain() throws Exception {
		String id = startPairings(1).get(0);
		String deviceId = this.devices.get(0);
		PollEngine engine = engine("heartbeat");
		engine.runOnce();
		this.simulator.approve(pairing(id).path("userCode").asString());
		this.clock.advance(Duration.ofSeconds(5));
		int dispatched = engine.dispatchNow();
		assertThat(dispatched).isGreaterThanOrEqualTo(1);
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (engine.answersWaiting() < dispatched && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(engine.answersWaiting()).as("Frame.io answered with tokens").isEqualTo(dispatched);

		this.jdbc.sql("""
				create or replace function refuse_heartbeat() returns trigger language plpgsql as $$
				begin raise exception 'simulated outage'; end $$""").update();
		this.jdbc.sql("create trigger refuse_heartbeat before update on gateway_instance for each row "
				+ "execute function refuse_heartbeat()").update();
		try {
			org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.cycleOnce(0, true))
				.isInstanceOf(RuntimeException.class);
		}
		finally {
			this.jdbc.sql("drop trigger if exists refuse_heartbeat on gateway_instance").update();
		}
		engine.cycleOnce(0, true);
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(pollsOf(deviceId)).as("the tokens Frame.io issued once were kept, not asked for again").hasSize(1);
	}

	@Test
	void claimedRowThatNoKeyOpensEndsFailedAndTheRestOfTheBatchIsPolled() throws Exception {
		List<String> ids = startPairings(3);
		String broken = ids.get(1);
		this.jdbc.sql("update pairing set device_code_enc = 'v1.removed-key.AAAA' where id = ?")
			.param(UUID.fromString(broken))
			.update();
		double before = this.meters.counter("gateway.poll.undecryptable").count();
		PollEngine engine = engine("undecryptable");
		engine.runOnce();
		assertThat(pairing(broken).path("status").asString()).isEqualTo("FAILED");
		assertThat(pairing(broken).path("failureReason").asString()).isEqualTo("undecryptable");
		assertThat(this.meters.counter("gateway.poll.undecryptable").count()).isEqualTo(before + 1);
		advanceAndRun(engine, Duration.ofSeconds(5));
		assertThat(pollsOf(this.devices.get(0))).hasSize(1);
		assertThat(pollsOf(this.devices.get(2))).hasSize(1);
		assertThat(pollsOf(this.devices.get(1))).isEmpty();
	}

	@Test
	void replicaThatJoinsGetsItsShareHandedOverWithSchedulesIntact() throws Exception {
		// The shared engine is idle here; its lease row would count it as a live replica.
		startPairings(60);
		PollEngine first = engine("holder");
		first.runOnce();
		long before = heldBy(first);
		assertThat(before).as("alone, it holds all the pending work").isGreaterThanOrEqualTo(60);

		PollEngine second = engine("joiner");
		second.runOnce();
		double handedBackBefore = this.meters.counter("gateway.poll.lease.handed_back").count();
		for (int second_ = 0; second_ < 12; second_++) {
			this.clock.advance(Duration.ofSeconds(1));
			runConcurrently(List.of(first, second));
		}
		long a = heldBy(first);
		long b = heldBy(second);
		System.out.printf("work spreading: held %d alone; after a second replica joined %d and %d (%.0f%% / %.0f%%)%n",
				before, a, b, 100.0 * a / (a + b), 100.0 * b / (a + b));
		assertThat(this.meters.counter("gateway.poll.lease.handed_back").count()).isGreaterThan(handedBackBefore);
		assertThat((double) a / (a + b)).isBetween(0.35, 0.65);
		assertThat((double) b / (a + b)).isBetween(0.35, 0.65);
		Map<String, List<FrameioSimulator.Request>> polls = pollsByDevice();
		assertThat(polls).hasSize(60);
		assertNoPollSoonerThanTheInterval(polls);
		Set<String> pollers = new HashSet<>();
		this.jdbc.sql("select distinct lease_owner from pairing where device_id = any(?) and status = 'PENDING'")
			.param(this.devices.toArray(new String[0]))
			.query((rs, row) -> pollers.add(rs.getString(1)))
			.list();
		assertThat(pollers).containsExactlyInAnyOrder(first.owner(), second.owner());
	}

	@Test
	void whenAThirdReplicaJoinsAndThenLeavesTheOthersEvenOutAgain() throws Exception {
		startPairings(90);
		PollEngine a = engine("a");
		PollEngine b = engine("b");
		a.runOnce();
		b.runOnce();
		PollEngine c = engine("c");
		List<PollEngine> three = List.of(a, b, c);
		for (int round = 0; round < 12; round++) {
			this.clock.advance(Duration.ofSeconds(1));
			runConcurrently(three);
		}
		long total = heldBy(a) + heldBy(b) + heldBy(c);
		System.out.printf("three replicas: %d / %d / %d of %d%n", heldBy(a), heldBy(b), heldBy(c), total);
		for (PollEngine engine : three) {
			assertThat((double) heldBy(engine) / total).as("between half and twice a third").isBetween(1 / 6.0, 2 / 3.0);
		}

		c.handBack();
		for (int round = 0; round < 12; round++) {
			this.clock.advance(Duration.ofSeconds(1));
			runConcurrently(List.of(a, b));
		}
		long left = heldBy(a) + heldBy(b);
		System.out.printf("after one left: %d / %d of %d%n", heldBy(a), heldBy(b), left);
		assertThat(left).as("nothing stranded by the one that left").isEqualTo(90);
		assertThat((double) heldBy(a) / left).isBetween(0.35, 0.65);
		assertNoPollSoonerThanTheInterval(pollsByDevice());
	}

	/** The taker waits a full interval from takeover: the one before it may have polled unseen. */
	private void assertPolledAgainOneIntervalAfterTakeover(PollEngine taker, String deviceId) {
		Instant takenOver = this.clock.instant();
		advanceAndRun(taker, Duration.ofSeconds(4));
		assertThat(pollsOf(deviceId)).as("no poll before a full interval after takeover").hasSize(1);
		advanceAndRun(taker, Duration.ofSeconds(1));
		assertThat(pollsOf(deviceId)).hasSize(2);
		assertThat(pollsOf(deviceId).get(1).at()).isEqualTo(takenOver.plusSeconds(5));
	}

	private static void assertNoPollSoonerThanTheInterval(Map<String, List<FrameioSimulator.Request>> polls) {
		assertThat(polls.values()).allSatisfy((list) -> {
			for (int i = 1; i < list.size(); i++) {
				assertThat(Duration.between(list.get(i - 1).at(), list.get(i).at()))
					.as("no poll sooner than the interval")
					.isGreaterThanOrEqualTo(Duration.ofSeconds(5));
			}
		});
	}

	private long heldBy(PollEngine engine) {
		return this.jdbc.sql("select count(*) from pairing where status = 'PENDING' and lease_owner = ?")
			.param(engine.owner())
			.query(Long.class)
			.single();
	}

	private void advanceAndRun(PollEngine engine, Duration duration) {
		this.clock.advance(duration);
		engine.runOnce();
	}

	private void expireLease(PollEngine engine) {
		this.jdbc.sql("update gateway_instance set lease_until = now() - interval '1 second' where id = ?")
			.param(engine.owner())
			.update();
	}

	private double unansweredPolls() {
		var timer = this.meters.find("gateway.frameio.requests").tags("endpoint", "token_poll", "outcome", "unavailable").timer();
		return (timer != null) ? timer.count() : 0;
	}

	private String ownerOf(String id) {
		return this.jdbc.sql("select lease_owner from pairing where id = ?")
			.param(UUID.fromString(id))
			.query(String.class)
			.optional()
			.orElse(null);
	}

	private long epochOf(String id) {
		return this.jdbc.sql("select lease_epoch from pairing where id = ?").param(UUID.fromString(id)).query(Long.class).single();
	}

	private Object nextPollAt(String id) {
		return this.jdbc.sql("select next_poll_at from pairing where id = ?")
			.param(UUID.fromString(id))
			.query(java.time.OffsetDateTime.class)
			.single();
	}

}
