package io.c2cgateway.polling;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.GatewayProcess;
import io.c2cgateway.support.SecondReplica;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recovery promise with real processes: a gateway JVM polling two pending pairings is killed
 * with SIGKILL and started again under the same {@code GATEWAY_INSTANCE_ID}, as Kubernetes
 * restarts a container in the same pod. The new process must poll both again, no sooner than
 * the interval after the last poll the dead one sent, and the pairing approved while nothing ran
 * ends AUTHORIZED with its tokens.
 * <p>
 * Frame.io is the simulator of a gateway in this JVM, so its request log outlives the killed
 * processes: a stand-in on the system clock with its engine off (as in every test context), not
 * the shared test context, whose simulator judges and stamps polls by the hand-moved domain clock
 * that the processes do not share. The stand-in also serves the API that creates the pairings
 * and hands out the device key.
 * <p>
 * Two gateway JVMs start here, each in about 9 s on an idle 2-core machine and in 20-30 s on a
 * busy one, so the test takes a minute or more and is left out of {@code ./mvnw verify}. Run it
 * with:
 *
 * <pre>
 * ./mvnw -B -ntp test -Dtest=ProcessRestartTests -Dprocess-tests=true
 * </pre>
 *
 * The processes' output goes to {@code target/process-restart/<instance id>-{first,second}.log}.
 */
@Tag("process")
@EnabledIfSystemProperty(named = "process-tests", matches = "true")
class ProcessRestartTests {

	/**
	 * Short, but not 3 s: on a 2-core machine at load average 12-20 a freshly started process's
	 * engine stalled for 4 s, lost a 3 s lease to itself, and a poll it had dispatched before
	 * reached Frame.io 1.3 s before the next one. Start-up (9 s or more) outlasts it either way.
	 */
	private static final Duration LEASE_TTL = Duration.ofSeconds(5);

	private static final Duration INTERVAL = Duration.ofSeconds(2);

	/** The engine's default claim period ({@code GATEWAY_POLLING_CLAIM_EVERY}). */
	private static final Duration CLAIM_EVERY = Duration.ofSeconds(1);

	/** Slack on a loaded 2-core machine: ticks, a database round trip, this test's own sampling. */
	private static final Duration SLACK = Duration.ofSeconds(3);

	/** {@code GATEWAY_FRAMEIO_TIMEOUT}'s default: a poll's request reaches Frame.io within it or counts as failed. */
	private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(10);

	private static final Duration START_LIMIT = Duration.ofSeconds(60);

	private static SecondReplica standIn;

	private static FrameioSimulator simulator;

	private static JdbcClient jdbc;

	private static Api api;

	private static GatewayProcess first;

	private static GatewayProcess second;

	@BeforeAll
	static void startFrameioStandIn() {
		standIn = SecondReplica.startOnSystemClock("frameio-" + HexFormat.of().toHexDigits((int) System.nanoTime()),
				Map.of("gateway.sandbox.interval", INTERVAL.toSeconds() + "s"));
		simulator = standIn.bean(FrameioSimulator.class);
		jdbc = standIn.bean(JdbcClient.class);
		api = Api.at(standIn.port());
		// The processes' engines would claim every pending pairing of the shared database and poll
		// it against this simulator: leave them none of other tests' (as ClusterPollingTests does).
		jdbc.sql("update pairing set status = 'CANCELLED', completed_at = now(), next_poll_at = null, "
				+ "lease_owner = null where status = 'PENDING'").update();
	}

	@AfterAll
	static void stopEverything() {
		for (GatewayProcess process : new GatewayProcess[] { first, second }) {
			if (process != null) {
				process.close();
			}
		}
		if (standIn != null) {
			standIn.close();
		}
	}

	@Test
	void processKilledWithSigkillAndRestartedUnderTheSameInstanceIdPollsItsPairingsAgainAndLosesNothing()
			throws Exception {
		String model = "m-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(api.asAdmin()
			.put("/api/v1/device-models/" + model, "{\"clientSecret\": \"s-" + model + "\", \"defaultClientVersion\": \"1.0.0\"}")
			.status()).isEqualTo(201);
		Api station = api.as(api.asAdmin()
			.post("/api/v1/api-keys", "{\"name\": \"station-" + model + "\", \"role\": \"STATION\"}")
			.json()
			.path("key")
			.asString());
		String pendingDevice = "SN-pending-" + model;
		String approvedDevice = "SN-approved-" + model;
		String pendingId = start(station, pendingDevice, model);
		String approvedId = start(station, approvedDevice, model);
		String pod = "pod-" + model.substring(2);
		Map<String, String> environment = environment(pod);
		Path logs = Path.of("target", "process-restart");

		try {
			first = GatewayProcess.start(environment, logs.resolve(pod + "-first.log"));
			first.awaitReady(START_LIMIT);
			await(() -> polls(pendingDevice).size() >= 2 && polls(approvedDevice).size() >= 2, Duration.ofSeconds(20));
			String firstOwner = ownerOf(pendingId);
			assertThat(firstOwner).as("leased by the first process").startsWith(pod);

			first.kill();
			Instant killedAt = Instant.now();
			assertThat(first.alive()).isFalse();
			Instant oldLeaseUntil = jdbc.sql("select lease_until from gateway_instance where id = ?")
				.param(firstOwner)
				.query(OffsetDateTime.class)
				.single()
				.toInstant();
			// A request the dead process sent just before it died may still be on its way through the
			// stand-in's server; after this pause the simulator's log holds everything it sent.
			Thread.sleep(200);
			Instant quietAt = Instant.now();
			Map<String, Instant> lastBeforeKill = new HashMap<>();
			for (String device : List.of(pendingDevice, approvedDevice)) {
				List<FrameioSimulator.Request> polls = polls(device);
				lastBeforeKill.put(device, polls.get(polls.size() - 1).at());
			}
			// A user approves while no process runs; the tokens wait at Frame.io.
			assertThat(simulator.approve(simulator.userCodeOf(approvedDevice).orElseThrow())).isTrue();

			second = GatewayProcess.start(environment, logs.resolve(pod + "-second.log"));
			Instant restartedAt = Instant.now();
			second.awaitReady(START_LIMIT);
			Instant readyAt = Instant.now();

			// Takeover: the pairing leased to the new process's generation of the same instance id.
			Instant takenOverAt = null;
			Instant deadline = readyAt.plus(LEASE_TTL)
				.plus(CLAIM_EVERY)
				.plus(INTERVAL)
				.plus(SLACK)
				.plus(UPSTREAM_TIMEOUT)
				.plus(Duration.ofSeconds(10));
			while (Instant.now().isBefore(deadline) && (takenOverAt == null
					|| pollsAfter(pendingDevice, quietAt).isEmpty() || !"AUTHORIZED".equals(status(approvedId)))) {
				String owner = ownerOf(pendingId);
				if (takenOverAt == null && owner != null && owner.startsWith(pod) && !owner.equals(firstOwner)) {
					takenOverAt = Instant.now();
				}
				Thread.sleep(20);
			}
			assertThat(takenOverAt)
				.as("the restarted process took over %s's pairing (still %s, %d polls since the kill); its log ends:%n%s",
						firstOwner, ownerOf(pendingId), pollsAfter(pendingDevice, quietAt).size(), second.tail(12))
				.isNotNull();
			String secondOwner = ownerOf(pendingId);
			assertThat(secondOwner).startsWith(pod + "~").isNotEqualTo(firstOwner);
			List<FrameioSimulator.Request> pendingAfter = pollsAfter(pendingDevice, quietAt);
			assertThat(pendingAfter).as("the pending pairing polled again by the restarted process").isNotEmpty();
			Instant firstPollAfter = pendingAfter.get(0).at();

			// What the engine controls: how late after its next_poll_at (takeover + interval) it sent a
			// poll. The rest, until the simulator logs it, is the request's way there, slow in a fresh JVM.
			String metrics = second.get("/actuator/prometheus");
			Duration sentLate = Duration.ofMillis(Math.round(1000 * metric(metrics, "gateway_poll_lateness_seconds_max")));
			double takeovers = metric(metrics, "gateway_poll_lease_takeovers_total");

			System.out.printf("SIGKILL and restart under %s (lease TTL %d ms, interval %d ms, claim period %d ms): "
					+ "old lease ran out %d ms after the kill; restarted process ready %d ms after its start; "
					+ "%.0f pairings taken over %d ms after the kill (%d ms after ready); first poll reached Frame.io "
					+ "%d ms after the restart, %d ms after the kill, %d ms after the takeover (sent at most %d ms "
					+ "after due); gap to the last poll before the kill %d ms%n", pod, LEASE_TTL.toMillis(),
					INTERVAL.toMillis(), CLAIM_EVERY.toMillis(), millis(killedAt, oldLeaseUntil),
					millis(restartedAt, readyAt), takeovers, millis(killedAt, takenOverAt), millis(readyAt, takenOverAt),
					millis(restartedAt, firstPollAfter), millis(killedAt, firstPollAfter),
					millis(takenOverAt, firstPollAfter), sentLate.toMillis(),
					millis(lastBeforeKill.get(pendingDevice), firstPollAfter));

			// Taken over once the old lease ran out or the new process was up, whichever came later,
			// within one claim period; the next poll due one interval later and sent on time.
			Duration takeoverBound = max(LEASE_TTL, Duration.between(killedAt, readyAt)).plus(CLAIM_EVERY).plus(SLACK);
			assertThat(Duration.between(killedAt, takenOverAt))
				.as("takeover within max(lease TTL, kill to ready) + claim period + %s", SLACK)
				.isLessThanOrEqualTo(takeoverBound);
			assertThat(takeovers).as("both pairings taken over by the restarted process").isEqualTo(2);
			assertThat(sentLate).as("polls sent at most %s after due", SLACK).isLessThanOrEqualTo(SLACK);
			assertThat(Duration.between(killedAt, firstPollAfter))
				.as("polled again within max(lease TTL, kill to ready) + claim period + interval + %s, "
						+ "plus the upstream timeout for the request's way", SLACK)
				.isLessThanOrEqualTo(takeoverBound.plus(INTERVAL).plus(SLACK).plus(UPSTREAM_TIMEOUT));

			// No poll sooner than the interval, across the kill too: the dead process may have sent
			// its last poll just before it died, and the simulator saw it.
			for (String device : List.of(pendingDevice, approvedDevice)) {
				assertThat(Duration.between(lastBeforeKill.get(device), pollsAfter(device, quietAt).get(0).at()))
					.as("first poll after the restart one interval or more after the last before the kill (%s)", device)
					.isGreaterThanOrEqualTo(INTERVAL);
				List<FrameioSimulator.Request> polls = polls(device);
				for (int i = 1; i < polls.size(); i++) {
					assertThat(Duration.between(polls.get(i - 1).at(), polls.get(i).at()))
						.as("gap between polls %d and %d of %s", i - 1, i, device)
						.isGreaterThanOrEqualTo(INTERVAL);
				}
			}

			// 0 pairings lost: one pending and held by the new process, one authorized.
			assertThat(status(pendingId)).isEqualTo("PENDING");
			assertThat(status(approvedId)).isEqualTo("AUTHORIZED");
			// 0 tokens lost: Frame.io handed them out once, to the one poll after the approval, and
			// the device gets an access token Frame.io accepts.
			assertThat(pollsAfter(approvedDevice, quietAt)).as("tokens asked for once").hasSize(1);
			String deviceKey = station.post("/api/v1/pairings/" + approvedId + "/device-key", null)
				.json()
				.path("deviceKey")
				.asString();
			Api.Response token = api.as(deviceKey).post("/api/v1/devices/" + approvedDevice + "/access-token", null);
			assertThat(token.status()).as(token.body()).isEqualTo(200);
			assertThat(simulator.accessTokenValid(token.json().path("accessToken").asString())).isTrue();
			assertThat(simulator.requestCount("token_refresh", approvedDevice)).isZero();
		}
		finally {
			if (second != null) {
				second.stop(Duration.ofSeconds(20));
			}
			station.delete("/api/v1/pairings/" + pendingId);
			jdbc.sql("delete from gateway_instance where id like ?").param(pod + "~%").update();
		}
	}

	/** Production settings, as a Deployment gives them, with a short lease and Frame.io pointed at the stand-in. */
	private static Map<String, String> environment(String pod) {
		Map<String, String> env = new HashMap<>();
		env.put("GATEWAY_INSTANCE_ID", pod);
		env.put("GATEWAY_CRYPTO_KEYS", standIn.bean(Environment.class).getRequiredProperty("gateway.crypto.keys"));
		env.put("GATEWAY_FRAMEIO_BASE_URL", "http://127.0.0.1:" + standIn.port());
		// The stand-in is plain http on this host; production settings refuse that unless told.
		env.put("GATEWAY_FRAMEIO_ALLOW_INSECURE_BASE_URL", "true");
		env.put("GATEWAY_POLLING_ENABLED", "true");
		env.put("GATEWAY_POLLING_LEASE_TTL", LEASE_TTL.toSeconds() + "s");
		env.put("GATEWAY_POLLING_CLAIM_EVERY", CLAIM_EVERY.toSeconds() + "s");
		// Nothing else of the shared test database is touched by the processes.
		env.put("GATEWAY_TOKENS_KEEP_ALIVE_ENABLED", "false");
		env.put("GATEWAY_TOKENS_REVOCATION_RETRY_ENABLED", "false");
		env.put("GATEWAY_PAIRINGS_FRAMEIO_DEVICE_ENABLED", "false");
		env.put("GATEWAY_RETENTION_ENABLED", "false");
		env.put("GATEWAY_CRYPTO_ROTATION_INITIAL_DELAY", "1h");
		return env;
	}

	private static String start(Api station, String deviceId, String model) {
		Api.Response response = station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		JsonNode body = response.json();
		return body.path("id").asString();
	}

	private static String status(String id) {
		return jdbc.sql("select status from pairing where id = ?").param(UUID.fromString(id)).query(String.class).single();
	}

	private static String ownerOf(String id) {
		return jdbc.sql("select lease_owner from pairing where id = ?")
			.param(UUID.fromString(id))
			.query(String.class)
			.optional()
			.orElse(null);
	}

	private static List<FrameioSimulator.Request> polls(String deviceId) {
		return simulator.requests()
			.stream()
			.filter((request) -> "token_poll".equals(request.endpoint()) && deviceId.equals(request.clientId()))
			.toList();
	}

	private static List<FrameioSimulator.Request> pollsAfter(String deviceId, Instant at) {
		return polls(deviceId).stream().filter((poll) -> poll.at().isAfter(at)).toList();
	}

	private static void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition met within %s", limit).isLessThan(deadline);
			Thread.sleep(50);
		}
	}

	/** The value of a Prometheus sample without labels or with any labels; 0 when absent. */
	private static double metric(String exposition, String name) {
		return exposition.lines()
			.filter((line) -> line.startsWith(name + " ") || line.startsWith(name + "{"))
			.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	private static Duration max(Duration a, Duration b) {
		return (a.compareTo(b) >= 0) ? a : b;
	}

	private static long millis(Instant from, Instant to) {
		return Duration.between(from, to).toMillis();
	}

}
