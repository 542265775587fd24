package io.c2cgateway.polling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.DatabaseProxy;
import io.c2cgateway.support.SecondReplica;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica running as in production (engine in the background, system clock) whose database
 * connections are cut with a TCP proxy for longer than ten seconds while it polls, while Frame.io
 * issues tokens for one of its pairings, and while a device asks for an access token.
 */
class DatabaseCutDuringPollingTests {

	private static final Duration OUTAGE = Duration.ofSeconds(12);

	private static final Duration INTERVAL = Duration.ofSeconds(2);

	private static DatabaseProxy proxy;

	private static SecondReplica replica;

	private static FrameioSimulator simulator;

	private static Api api;

	@BeforeAll
	static void start() {
		proxy = DatabaseProxy.start();
		replica = SecondReplica.startOnSystemClock("cut-" + HexFormat.of().toHexDigits((int) System.nanoTime()),
				Map.of("spring.datasource.url", proxy.jdbcUrl(), "gateway.polling.enabled", "true",
						"gateway.sandbox.interval", INTERVAL.toSeconds() + "s",
						// Shorter than the minimum validity: every access token a device asks for is a refresh.
						"gateway.sandbox.access-token-lifetime", "5m"));
		simulator = replica.bean(FrameioSimulator.class);
		api = Api.at(replica.port());
	}

	@AfterAll
	static void stop() {
		if (replica != null) {
			proxy.restore();
			replica.close();
		}
		if (proxy != null) {
			proxy.close();
		}
	}

	@Test
	void databaseCutForTwelveSecondsThenNoPairingNoTokenLostNoPollEarlyAndPollingResumesWithinFifteenSeconds()
			throws Exception {
		String model = "m-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(api.asAdmin()
			.put("/api/v1/device-models/" + model, "{\"clientSecret\": \"s-" + model + "\", \"defaultClientVersion\": \"1.0.0\"}")
			.status()).isEqualTo(201);
		String station = api.asAdmin()
			.post("/api/v1/api-keys", "{\"name\": \"station-" + model + "\", \"role\": \"STATION\"}")
			.json()
			.path("key")
			.asString();
		Api asStation = api.as(station);

		String paired = "SN-paired-" + model;
		JsonNode first = start(asStation, paired, model);
		simulator.approve(first.path("userCode").asString());
		awaitStatus(first.path("id").asString(), "AUTHORIZED", Duration.ofSeconds(20));
		String deviceKey = asStation.post("/api/v1/pairings/" + first.path("id").asString() + "/device-key", null)
			.json()
			.path("deviceKey")
			.asString();

		List<String> pending = new ArrayList<>();
		List<String> pendingIds = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			String deviceId = "SN-" + i + "-" + model;
			pending.add(deviceId);
			pendingIds.add(start(asStation, deviceId, model).path("id").asString());
		}
		String approvedId = pendingIds.get(0);
		String approved = pending.get(0);
		await(() -> pending.stream().allMatch((device) -> polls(device).size() >= 1), Duration.ofSeconds(20));
		simulator.approve(simulator.userCodeOf(approved).orElseThrow());

		proxy.cut();
		Instant cutAt = Instant.now();
		Api.Response token;
		long asked = System.nanoTime();
		try {
			token = api.as(deviceKey).post("/api/v1/devices/" + paired + "/access-token", null);
			long answeredMs = Duration.ofNanos(System.nanoTime() - asked).toMillis();
			System.out.printf("database cut: access token answered %d %s after %d ms%n", token.status(), token.code(),
					answeredMs);
			// The outage lasts its length, whatever the gateway does meanwhile.
			await(() -> Instant.now().isAfter(cutAt.plus(OUTAGE)), OUTAGE.plusSeconds(1));
		}
		finally {
			proxy.restore();
		}
		Instant restoredAt = Instant.now();
		assertThat(token.status()).isEqualTo(503);
		assertThat(token.code()).isEqualTo("database_unavailable");
		assertThat(token.header("Retry-After")).isEqualTo("5");
		assertThat(refreshes(paired)).as("no refresh token spent while its answer could not be kept").isZero();

		awaitStatus(approvedId, "AUTHORIZED", Duration.ofSeconds(15));
		long authorizedMs = Duration.between(restoredAt, Instant.now()).toMillis();
		await(() -> pending.subList(1, pending.size())
			.stream()
			.allMatch((device) -> polls(device).stream().anyMatch((poll) -> poll.at().isAfter(restoredAt))),
				Duration.ofSeconds(15));
		long resumedMs = Duration.between(restoredAt, Instant.now()).toMillis();

		long pollsInOutage = pending.stream()
			.flatMap((device) -> polls(device).stream())
			.filter((poll) -> poll.at().isAfter(cutAt) && poll.at().isBefore(restoredAt))
			.count();
		Duration shortest = shortestGap(pending);
		System.out.printf("database cut for %d ms: %d polls sent meanwhile; after it: approved pairing AUTHORIZED in %d ms, "
				+ "every pending pairing polled again within %d ms; shortest gap between two polls of a code %d ms "
				+ "(interval %d ms)%n", Duration.between(cutAt, restoredAt).toMillis(), pollsInOutage, authorizedMs,
				resumedMs, shortest.toMillis(), INTERVAL.toMillis());
		assertThat(polls(approved).stream().filter((poll) -> poll.at().isAfter(cutAt)))
			.as("tokens are issued once: the approved code was exchanged exactly once")
			.hasSize(1);
		assertThat(shortest).as("no poll sooner than the interval").isGreaterThanOrEqualTo(INTERVAL);
		for (String id : pendingIds.subList(1, pendingIds.size())) {
			assertThat(api.asAdmin().get("/api/v1/pairings/" + id).json().path("status").asString()).isEqualTo("PENDING");
		}

		// Tokens kept: the approved device gets an access token Frame.io accepts; the paired one refreshes.
		String approvedKey = asStation.post("/api/v1/pairings/" + approvedId + "/device-key", null)
			.json()
			.path("deviceKey")
			.asString();
		Api.Response fresh = api.as(approvedKey).post("/api/v1/devices/" + approved + "/access-token", null);
		assertThat(fresh.status()).as(fresh.body()).isEqualTo(200);
		assertThat(simulator.accessTokenValid(fresh.json().path("accessToken").asString())).isTrue();
		Api.Response refreshed = api.as(deviceKey).post("/api/v1/devices/" + paired + "/access-token", null);
		assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
		assertThat(simulator.accessTokenValid(refreshed.json().path("accessToken").asString())).isTrue();
	}

	private static JsonNode start(Api station, String deviceId, String model) {
		Api.Response response = station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		return response.json();
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
