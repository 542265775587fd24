package io.c2cgateway.polling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.DatabaseProxy;
import io.c2cgateway.support.ProxiedReplica;
import io.c2cgateway.support.SecondReplica;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica running as in production (engine in the background, system clock) whose database
 * connections are cut with a TCP proxy, or hung, for longer than ten seconds while it polls, while
 * Frame.io's answer with a pairing's tokens is on its way, and while a device's refresh is in flight.
 * The contract: readiness 503 within 2 s meanwhile; afterwards every pending pairing polled again
 * within 15 s, and no answer Frame.io gave meanwhile lost.
 */
class DatabaseCutDuringPollingTests {

	private static final Duration OUTAGE = Duration.ofSeconds(12);

	private static final Duration INTERVAL = Duration.ofSeconds(2);

	/** Below the replica's 3 s upstream timeout: the answer arrives, late. */
	private static final Duration ANSWER_DELAY = Duration.ofMillis(2500);

	private static ProxiedReplica proxied;

	private static DatabaseProxy proxy;

	private static SecondReplica replica;

	private static FrameioSimulator simulator;

	private static Api api;

	@BeforeAll
	static void start() {
		proxied = ProxiedReplica.start((jdbcUrl) -> SecondReplica.startOnSystemClock(
				"cut-" + HexFormat.of().toHexDigits((int) System.nanoTime()),
				Map.of("spring.datasource.url", jdbcUrl, "gateway.polling.enabled", "true",
						"gateway.sandbox.interval", INTERVAL.toSeconds() + "s",
						// As long as the minimum validity: every access token a device asks for is a refresh
						// (one issued for less would be refreshed only once half of its life had passed).
						"gateway.sandbox.access-token-lifetime", "5m", "gateway.tokens.min-validity", "5m")));
		proxy = proxied.proxy();
		replica = proxied.replica();
		simulator = replica.bean(FrameioSimulator.class);
		api = Api.at(replica.port());
	}

	@AfterEach
	void reconnect() {
		proxy.restore();
	}

	@AfterAll
	static void stop() {
		if (proxied != null) {
			proxied.close();
		}
	}

	@Test
	void databaseCutForTwelveSecondsWhileTokensArriveThenNothingIsLostNoPollIsEarlyAndPollingResumesWithinFifteenSeconds()
			throws Exception {
		Fleet fleet = Fleet.start(4);

		// Frame.io issues the first pending pairing's tokens; the answer is on its way when the cut comes.
		String approved = fleet.pending.get(0);
		String approvedId = fleet.pendingIds.get(0);
		synchronized (simulator) {
			simulator.inject(Fault.late("token_poll", approved, ANSWER_DELAY));
			simulator.approve(simulator.userCodeOf(approved).orElseThrow());
		}
		await(() -> polls(approved).stream().anyMatch(FrameioSimulator.Request::faulted), Duration.ofSeconds(10));
		// A device's refresh: Frame.io rotates its refresh token, the answer is on its way too.
		simulator.inject(Fault.late("token_refresh", fleet.paired, ANSWER_DELAY));
		CompletableFuture<Timed> inFlightRefresh = CompletableFuture
			.supplyAsync(() -> Timed.of(() -> api.as(fleet.deviceKey).post(accessTokenPath(fleet.paired), null)));
		await(() -> refreshes(fleet.paired) == 1, Duration.ofSeconds(5));

		proxy.cut();
		Instant cutAt = Instant.now();
		Timed duringCut;
		Timed readiness;
		try {
			duringCut = Timed.of(() -> api.as(fleet.deviceKey).post(accessTokenPath(fleet.paired), null));
			readiness = Timed.of(() -> api.get("/actuator/health/readiness"));
			// The outage lasts its length, whatever the gateway does meanwhile.
			await(() -> Instant.now().isAfter(cutAt.plus(OUTAGE)), OUTAGE.plusSeconds(1));
		}
		finally {
			proxy.restore();
		}
		Instant restoredAt = Instant.now();
		Timed refreshAnswer = inFlightRefresh.get();

		System.out.printf("database cut: readiness %d after %d ms; a new access-token request %d %s after %d ms; "
				+ "the refresh in flight answered %d %s after %d ms%n", readiness.response.status(), readiness.millis,
				duringCut.response.status(), duringCut.response.code(), duringCut.millis,
				refreshAnswer.response.status(), refreshAnswer.response.code(), refreshAnswer.millis);
		assertThat(readiness.response.status()).isEqualTo(503);
		assertThat(readiness.millis).as("readiness answers within 2 s").isLessThan(2000);
		assertThat(duringCut.response.status()).isEqualTo(503);
		assertThat(duringCut.response.code()).isEqualTo("database_unavailable");
		assertThat(duringCut.response.header("Retry-After")).isEqualTo("5");
		assertThat(refreshAnswer.response.status()).isEqualTo(503);
		assertThat(refreshAnswer.response.code()).isEqualTo("database_unavailable");

		awaitStatus(approvedId, "AUTHORIZED", Duration.ofSeconds(15));
		long authorizedMs = Duration.between(restoredAt, Instant.now()).toMillis();
		long resumedMs = fleet.awaitEveryOtherPolledAfter(restoredAt);
		await(() -> unstoredPairs() == 0, Duration.ofSeconds(5));
		long storedMs = Duration.between(restoredAt, Instant.now()).toMillis();
		long pollsInOutage = fleet.pollsBetween(cutAt, restoredAt);
		Duration shortest = shortestGap(fleet.pending);
		System.out.printf("database cut for %d ms: %d polls sent meanwhile; after it: the tokens that arrived during "
				+ "the cut stored, pairing AUTHORIZED within %d ms; the refreshed pair stored within %d ms; every "
				+ "pending pairing polled again within %d ms; shortest gap between two polls of a code %d ms "
				+ "(interval %d ms)%n", Duration.between(cutAt, restoredAt).toMillis(), pollsInOutage, authorizedMs,
				storedMs, resumedMs, shortest.toMillis(), INTERVAL.toMillis());
		assertThat(polls(approved).stream().filter((poll) -> poll.at().isAfter(cutAt)))
			.as("tokens are issued once: the answer that arrived during the cut was kept, the code not polled again")
			.isEmpty();
		assertThat(resumedMs).as("polled again within 15 s").isLessThan(15_000);
		assertThat(shortest).as("no poll sooner than the interval").isGreaterThanOrEqualTo(INTERVAL);
		fleet.assertOthersStillPending();

		// No token lost: the authorized device gets an access token Frame.io accepts, and the paired
		// one refreshes with the refresh token Frame.io rotated during the cut (the old one is spent).
		String approvedKey = fleet.station.post("/api/v1/pairings/" + approvedId + "/device-key", null)
			.json()
			.path("deviceKey")
			.asString();
		Api.Response fresh = api.as(approvedKey).post(accessTokenPath(approved), null);
		assertThat(fresh.status()).as(fresh.body()).isEqualTo(200);
		assertThat(simulator.accessTokenValid(fresh.json().path("accessToken").asString())).isTrue();
		Api.Response refreshed = api.as(fleet.deviceKey).post(accessTokenPath(fleet.paired), null);
		assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
		assertThat(simulator.accessTokenValid(refreshed.json().path("accessToken").asString())).isTrue();
		assertThat(refreshes(fleet.paired)).as("one refresh in the cut, one after it").isEqualTo(2);
		assertThat(api.asAdmin().get("/api/v1/devices/" + fleet.paired).json().path("state").asString())
			.isEqualTo("PAIRED");
	}

	@Test
	void databaseSocketsHungForTwelveSecondsThenReadinessSaysSoWithinTwoSecondsAndPollingResumesWithinFifteenSeconds()
			throws Exception {
		Fleet fleet = Fleet.start(3);

		proxy.freeze();
		Instant frozenAt = Instant.now();
		Timed readiness;
		Timed liveness;
		try {
			readiness = Timed.of(() -> api.get("/actuator/health/readiness"));
			liveness = Timed.of(() -> api.get("/actuator/health/liveness"));
			await(() -> Instant.now().isAfter(frozenAt.plus(OUTAGE)), OUTAGE.plusSeconds(1));
		}
		finally {
			proxy.unfreeze();
		}
		Instant thawedAt = Instant.now();
		long resumedMs = fleet.awaitEveryPolledAfter(thawedAt);
		Duration shortest = shortestGap(fleet.pending);
		System.out.printf("database sockets hung for %d ms: readiness %d after %d ms, liveness %d after %d ms; %d polls "
				+ "sent meanwhile; every pending pairing polled again within %d ms of the thaw; shortest gap %d ms%n",
				Duration.between(frozenAt, thawedAt).toMillis(), readiness.response.status(), readiness.millis,
				liveness.response.status(), liveness.millis, fleet.pollsBetween(frozenAt, thawedAt), resumedMs,
				shortest.toMillis());
		assertThat(readiness.response.status()).isEqualTo(503);
		assertThat(readiness.millis).as("readiness answers within 2 s").isLessThan(2000);
		assertThat(liveness.response.status()).isEqualTo(200);
		assertThat(resumedMs).as("polled again within 15 s").isLessThan(15_000);
		assertThat(shortest).as("no poll sooner than the interval").isGreaterThanOrEqualTo(INTERVAL);
		fleet.assertOthersStillPending();
		// A key can be checked again, and the paired device still refreshes.
		Api.Response refreshed = api.as(fleet.deviceKey).post(accessTokenPath(fleet.paired), null);
		assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
	}

	/** A model, a station, one paired device with its key, and {@code pending} pairings polled at least once. */
	private record Fleet(Api station, String paired, String deviceKey, List<String> pending, List<String> pendingIds) {

		static Fleet start(int pendingCount) throws InterruptedException {
			// After an outage the pool may still hand out a connection or two that died with it.
			await(() -> api.get("/actuator/health/readiness").status() == 200, Duration.ofSeconds(20));
			String model = "m-" + UUID.randomUUID().toString().substring(0, 8);
			assertThat(api.asAdmin()
				.put("/api/v1/device-models/" + model,
						"{\"clientSecret\": \"s-" + model + "\", \"defaultClientVersion\": \"1.0.0\"}")
				.status()).isEqualTo(201);
			String key = api.asAdmin()
				.post("/api/v1/api-keys", "{\"name\": \"station-" + model + "\", \"role\": \"STATION\"}")
				.json()
				.path("key")
				.asString();
			Api station = api.as(key);
			String paired = "SN-paired-" + model;
			JsonNode first = startPairing(station, paired, model);
			simulator.approve(first.path("userCode").asString());
			awaitStatus(first.path("id").asString(), "AUTHORIZED", Duration.ofSeconds(20));
			String deviceKey = station.post("/api/v1/pairings/" + first.path("id").asString() + "/device-key", null)
				.json()
				.path("deviceKey")
				.asString();
			List<String> pending = new ArrayList<>();
			List<String> pendingIds = new ArrayList<>();
			for (int i = 0; i < pendingCount; i++) {
				String deviceId = "SN-" + i + "-" + model;
				pending.add(deviceId);
				pendingIds.add(startPairing(station, deviceId, model).path("id").asString());
			}
			await(() -> pending.stream().allMatch((device) -> polls(device).size() >= 1), Duration.ofSeconds(20));
			return new Fleet(station, paired, deviceKey, pending, pendingIds);
		}

		/** Waits until every pending pairing but the first was polled after {@code at}; ms since then. */
		long awaitEveryOtherPolledAfter(Instant at) throws InterruptedException {
			return awaitPolledAfter(this.pending.subList(1, this.pending.size()), at);
		}

		long awaitEveryPolledAfter(Instant at) throws InterruptedException {
			return awaitPolledAfter(this.pending, at);
		}

		private static long awaitPolledAfter(List<String> devices, Instant at) throws InterruptedException {
			await(() -> devices.stream().allMatch((device) -> polls(device).stream().anyMatch((p) -> p.at().isAfter(at))),
					Duration.ofSeconds(15));
			return Duration.between(at, Instant.now()).toMillis();
		}

		long pollsBetween(Instant from, Instant to) {
			return this.pending.stream()
				.flatMap((device) -> polls(device).stream())
				.filter((poll) -> poll.at().isAfter(from) && poll.at().isBefore(to))
				.count();
		}

		void assertOthersStillPending() {
			for (String id : this.pendingIds.subList(1, this.pendingIds.size())) {
				assertThat(api.asAdmin().get("/api/v1/pairings/" + id).json().path("status").asString())
					.isEqualTo("PENDING");
			}
		}

	}

	private record Timed(Api.Response response, long millis) {

		static Timed of(java.util.function.Supplier<Api.Response> call) {
			long started = System.nanoTime();
			Api.Response response = call.get();
			return new Timed(response, Duration.ofNanos(System.nanoTime() - started).toMillis());
		}

	}

	private static String accessTokenPath(String deviceId) {
		return "/api/v1/devices/" + deviceId + "/access-token";
	}

	private static JsonNode startPairing(Api station, String deviceId, String model) {
		Api.Response response = station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		return response.json();
	}

	private static long unstoredPairs() {
		String metrics = api.get("/actuator/prometheus").body();
		return metrics.lines()
			.filter((line) -> line.startsWith("gateway_tokens_unstored"))
			.mapToLong((line) -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	private static List<FrameioSimulator.Request> polls(String deviceId) {
		return simulator.requests()
			.stream()
			.filter((request) -> "token_poll".equals(request.endpoint()) && deviceId.equals(request.clientId()))
			.toList();
	}

	private static long refreshes(String deviceId) {
		return simulator.requestCount("token_refresh", deviceId);
	}

	private static Duration shortestGap(List<String> devices) {
		Duration shortest = Duration.ofDays(1);
		for (String device : devices) {
			List<FrameioSimulator.Request> polls = polls(device);
			for (int i = 1; i < polls.size(); i++) {
				Duration gap = Duration.between(polls.get(i - 1).at(), polls.get(i).at());
				if (gap.compareTo(shortest) < 0) {
					shortest = gap;
				}
			}
		}
		return shortest;
	}

	private static void awaitStatus(String id, String status, Duration limit) throws InterruptedException {
		await(() -> status.equals(api.asAdmin().get("/api/v1/pairings/" + id).json().path("status").asString()), limit);
	}

	private static void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition met within %s", limit).isLessThan(deadline);
			Thread.sleep(50);
		}
	}

}
