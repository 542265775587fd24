package io.c2cgateway.polling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.DeviceCustody;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;
import io.c2cgateway.system.ShutdownBudget;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Times that cross replicas (poll schedules above all) are written by one replica's clock and
 * judged by another's, so a replica whose clock is more than {@code gateway.polling.max-clock-skew}
 * off the database's must claim nothing and report not ready. Measured against the real database.
 */
class ClockSkewTests extends IntegrationTest {

	private static final Duration BOUND = Duration.ofSeconds(2);

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

	private final List<String> devices = new ArrayList<>();

	private final List<PollEngine> engines = new ArrayList<>();

	@BeforeEach
	void leaveNoOtherWork() {
		// The engines here claim their share of every pending pairing: leave them none of other tests'.
		this.engine.handBack();
		this.jdbc.sql("update pairing set status = 'CANCELLED', completed_at = now(), next_poll_at = null, "
				+ "lease_owner = null where status = 'PENDING'").update();
	}

	@AfterEach
	void stopEverything() {
		this.engines.forEach(PollEngine::handBack);
		if (!this.devices.isEmpty()) {
			this.jdbc.sql("update pairing set status = 'CANCELLED', completed_at = now(), lease_owner = null "
					+ "where status = 'PENDING' and device_id = any(?)")
				.param(this.devices.toArray(new String[0]))
				.update();
		}
	}

	// ---- the measurement ------------------------------------------------------------------

	@Test
	void clockFiveSecondsAheadOfTheDatabaseIsMeasuredAsSuchAndIsNotWithinATwoSecondBound() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		ClockSkew skew = new ClockSkew(this.jdbcTemplate, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5)),
				BOUND, registry);

		ClockSkew.Measurement measured = skew.check();

		assertThat(measured).isNotNull();
		assertThat(measured.skew().toMillis() / 1000.0).isCloseTo(5.0, within(0.5));
		assertThat(skew.withinBounds()).isFalse();
		assertThat(registry.get("gateway.clock.skew").gauge().value()).isCloseTo(5.0, within(0.5));
		assertThat(skew.health().getStatus()).isEqualTo(Status.DOWN);
		assertThat(skew.health().getDetails()).containsKey("reason");
	}

	@Test
	void clockFiveSecondsBehindTheDatabaseIsNotWithinATwoSecondBoundEither() {
		ClockSkew skew = new ClockSkew(this.jdbcTemplate, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-5)),
				BOUND, new SimpleMeterRegistry());

		assertThat(skew.check().skew().toMillis() / 1000.0).isCloseTo(-5.0, within(0.5));
		assertThat(skew.withinBounds()).isFalse();
	}

	@Test
	void systemClockIsWithinATwoSecondBoundOfTheDatabaseAndReady() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		ClockSkew skew = new ClockSkew(this.jdbcTemplate, Clock.systemUTC(), BOUND, registry);

		ClockSkew.Measurement measured = skew.check();

		// Same machine, same clock: only the measurement's own uncertainty is left.
		assertThat(measured.skew().abs()).isLessThan(Duration.ofMillis(500));
		assertThat(skew.withinBounds()).isTrue();
		assertThat(skew.health().getStatus()).isEqualTo(Status.UP);
		assertThat(registry.get("gateway.clock.skew").gauge().value()).isCloseTo(0.0, within(0.5));
	}

	@Test
	void clockThatDriftsOutAndBackIsJudgedAtEveryMeasurement() {
		MutableOffset offset = new MutableOffset();
		ClockSkew skew = new ClockSkew(this.jdbcTemplate, offset, BOUND, new SimpleMeterRegistry());

		skew.check();
		assertThat(skew.withinBounds()).isTrue();
		offset.by = Duration.ofSeconds(3);
		skew.check();
		assertThat(skew.withinBounds()).isFalse();
		offset.by = Duration.ZERO;
		skew.check();
		assertThat(skew.withinBounds()).isTrue();
	}

	@Test
	void beforeTheFirstMeasurementTheClockIsNotTrustedNorReady() {
		ClockSkew skew = new ClockSkew(this.jdbcTemplate, Clock.systemUTC(), BOUND, new SimpleMeterRegistry());

		assertThat(skew.withinBounds()).isFalse();
		assertThat(skew.health().getStatus()).isEqualTo(Status.DOWN);
	}

	@Test
	void zeroBoundTurnsTheCheckOffHoweverFarTheClockIs() {
		ClockSkew skew = new ClockSkew(this.jdbcTemplate, Clock.offset(Clock.systemUTC(), Duration.ofDays(3)),
				Duration.ZERO, new SimpleMeterRegistry());

		assertThat(skew.withinBounds()).isTrue();
		skew.check();
		assertThat(skew.withinBounds()).isTrue();
		assertThat(skew.health().getStatus()).isEqualTo(Status.UP);
	}

	// ---- the engine -----------------------------------------------------------------------

	@Test
	void engineWhoseClockIsNotTrustedClaimsNothingAndIsNotCountedAsALiveReplica() throws Exception {
		startPairings(10);
		AtomicBoolean trusted = new AtomicBoolean(false);
		PollEngine skewed = engine("skewed", trusted);

		skewed.runOnce();

		assertThat(skewed.trackedCount()).isZero();
		assertThat(heldBy(skewed)).isZero();
		assertThat(registered(skewed)).as("no lease row: others must not leave it a share").isFalse();

		PollEngine healthy = engine("healthy", new AtomicBoolean(true));
		healthy.runOnce();
		assertThat(heldBy(healthy)).as("the other replica takes all the work").isEqualTo(10);
	}

	@Test
	void engineWhoseClockDriftsOutHandsBackItsPairingsAndLeaseAndPollsAgainOnceItIsBack() throws Exception {
		startPairings(10);
		AtomicBoolean trusted = new AtomicBoolean(true);
		PollEngine drifting = engine("drifting", trusted);
		drifting.runOnce();
		assertThat(heldBy(drifting)).isEqualTo(10);
		this.clock.advance(Duration.ofSeconds(5));
		drifting.runOnce();
		assertThat(pollsByDevice().values()).allSatisfy((polls) -> assertThat(polls).hasSize(1));

		trusted.set(false);
		drifting.runOnce();
		assertThat(heldBy(drifting)).isZero();
		assertThat(drifting.trackedCount()).isZero();
		assertThat(registered(drifting)).isFalse();
		this.clock.advance(Duration.ofSeconds(5));
		assertThat(drifting.runOnce()).as("nothing polled while its clock is off").isZero();
		assertThat(drifting.dispatchNow()).isZero();
		assertThat(pollsByDevice().values()).allSatisfy((polls) -> assertThat(polls).hasSize(1));

		PollEngine other = engine("other", new AtomicBoolean(true));
		other.runOnce();
		assertThat(heldBy(other)).as("handed back, so taken at once").isEqualTo(10);
		assertThat(pollsByDevice().values()).allSatisfy((polls) -> assertThat(polls).hasSize(2));

		trusted.set(true);
		for (int round = 0; round < 6; round++) {
			this.clock.advance(Duration.ofSeconds(1));
			drifting.runOnce();
			other.runOnce();
		}
		assertThat(registered(drifting)).isTrue();
		assertThat(heldBy(drifting)).as("back in the cluster, it gets its share").isPositive();
		assertThat(pollsByDevice().values()).allSatisfy((polls) -> {
			for (int i = 1; i < polls.size(); i++) {
				assertThat(Duration.between(polls.get(i - 1).at(), polls.get(i).at()))
					.isGreaterThanOrEqualTo(Duration.ofSeconds(5));
			}
		});
	}

	// ---- a whole replica ------------------------------------------------------------------

	@Test
	void replicaWithAClockFiveSecondsFastClaimsNothingAndIsNotReadyWhileTheOtherKeepsPolling() throws Exception {
		String deviceId = startPairings(1).get(0);
		String id = this.jdbc.sql("select id::text from pairing where device_id = ?").param(deviceId).query(String.class)
			.single();
		Map<String, String> settings = new HashMap<>();
		settings.put("gateway.polling.enabled", "true");
		settings.put("gateway.polling.max-clock-skew", "2s");
		try (SecondReplica fast = SecondReplica.startOnClock("fast-" + UUID.randomUUID().toString().substring(0, 6),
				settings, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5)))) {
			Api api = Api.at(fast.port());
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				Api.Response readiness = api.get("/actuator/health/readiness");
				assertThat(readiness.status()).isEqualTo(503);
				assertThat(fast.bean(ClockSkew.class).last()).isNotNull();
			});
			assertThat(fast.bean(ClockSkew.class).last().skew().toMillis() / 1000.0).isCloseTo(5.0, within(0.5));
			assertThat(api.get("/actuator/health/liveness").status()).isEqualTo(200);
			assertThat(api.get("/actuator/prometheus").body()).contains("gateway_clock_skew_seconds");

			// Its engine runs in the background; the pairing it could claim stays with the first replica.
			this.engine.runOnce();
			this.clock.advance(Duration.ofSeconds(5));
			this.engine.runOnce();
			assertThat(pollsOf(deviceId)).hasSize(1);
			JsonNode pairing = pairing(id);
			assertThat(pairing.path("status").asString()).isEqualTo("PENDING");
			assertThat(fast.bean(PollEngine.class).trackedCount()).isZero();
			assertThat(this.jdbc.sql("select lease_owner from pairing where id = ?::uuid").param(id).query(String.class)
				.single()).isEqualTo(this.engine.owner());
		}
	}

	// ---- helpers --------------------------------------------------------------------------

	private PollEngine engine(String name, AtomicBoolean trusted) {
		PollingProperties properties = new PollingProperties(false, Duration.ofSeconds(15), Duration.ofMillis(50),
				Duration.ofSeconds(1), Duration.ofSeconds(10), 500, 64, Duration.ofSeconds(60), 500, 0.1, 100000,
				new PollingProperties.Database(3, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(8)),
				BOUND);
		PollEngine engine = new PollEngine(name + "-" + UUID.randomUUID().toString().substring(0, 6),
				new PollStore(this.jdbcTemplate, this.transactions), this.frameio, this.models, this.box, this.custody,
				this.audit, new TransactionTemplate(this.transactions), this.clock, properties, this.meters,
				ShutdownBudget.standalone(), trusted::get);
		this.engines.add(engine);
		return engine;
	}

	/** Starts pairings; returns their device ids. */
	private List<String> startPairings(int count) {
		String model = newModel();
		String station = newKey("STATION");
		List<String> started = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String deviceId = newDeviceId();
			this.devices.add(deviceId);
			startPairing(station, deviceId, model, null);
			started.add(deviceId);
		}
		return started;
	}

	private long heldBy(PollEngine engine) {
		return this.jdbc.sql("select count(*) from pairing where status = 'PENDING' and lease_owner = ?")
			.param(engine.owner())
			.query(Long.class)
			.single();
	}

	private boolean registered(PollEngine engine) {
		return this.jdbc.sql("select count(*) from gateway_instance where id = ? and lease_until > now()")
			.param(engine.owner())
			.query(Long.class)
			.single() > 0;
	}

	private Map<String, List<FrameioSimulator.Request>> pollsByDevice() {
		Map<String, List<FrameioSimulator.Request>> byDevice = new HashMap<>();
		for (String deviceId : this.devices) {
			byDevice.put(deviceId, pollsOf(deviceId));
		}
		return byDevice;
	}

	/** The system clock moved by a settable offset. */
	private static final class MutableOffset extends Clock {

		volatile Duration by = Duration.ZERO;

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return Clock.systemUTC().instant().plus(this.by);
		}

	}

}
