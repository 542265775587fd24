package io.c2cgateway.frameio;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Frame.io's rate limits are per user and endpoint, and a whole model's fleet calls under one
 * secret: a 429 seen anywhere pauses that endpoint for that model everywhere (contract 1.2).
 */
class FleetRateLimitTests extends IntegrationTest {

	private static SecondReplica replicaB;

	private String station;

	@BeforeEach
	void setUp() {
		if (replicaB == null) {
			// Same domain clock, and Frame.io is this replica's simulator: one simulator sees every call.
			replicaB = SecondReplica.start("rate-replica-b", this.port, this.clock);
		}
		this.station = newKey("STATION");
	}

	@AfterAll
	static void stopSecondReplica() {
		if (replicaB != null) {
			replicaB.close();
			replicaB = null;
		}
	}

	private Api.Response pair(Api api, String deviceId, String model) {
		return api.as(this.station)
			.post("/api/v1/pairings", "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
	}

	private long codeRequests(String deviceId) {
		return this.simulator.requestCount("device_code", deviceId);
	}

	private void replicaBHasSeenThePauseOf(String model) {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.jdbc.sql("select count(*) from frameio_rate_pause where model = ?")
				.param(model)
				.query(Long.class)
				.single() > 0);
		replicaB.bean(RateBudget.class).syncNow();
	}

	@Test
	void rateLimitOnOneReplicaPausesTheModelsEndpointOnEveryReplicaUntilRetryAfter() {
		String model = newModel();
		String first = newDeviceId();
		this.simulator.inject(Fault.status("device_code", first, 429, "30"));
		Api.Response limited = pair(this.api, first, model);
		assertThat(limited.status()).isEqualTo(503);
		assertThat(limited.code()).isEqualTo("upstream_rate_limited");
		assertThat(limited.header("Retry-After")).isEqualTo("30");
		replicaBHasSeenThePauseOf(model);

		Api other = Api.at(replicaB.port());
		String second = newDeviceId();
		Api.Response withheld = pair(other, second, model);
		assertThat(withheld.status()).isEqualTo(503);
		assertThat(withheld.code()).isEqualTo("upstream_rate_limited");
		assertThat(Long.parseLong(withheld.header("Retry-After"))).isBetween(29L, 30L);
		assertThat(codeRequests(second)).as("no call left while the endpoint is paused").isZero();

		// Another model's budget is its own.
		assertThat(pair(other, newDeviceId(), newModel()).status()).isEqualTo(201);

		this.clock.advance(Duration.ofSeconds(30));
		assertThat(pair(other, second, model).status()).isEqualTo(201);
		assertThat(codeRequests(second)).isEqualTo(1);
	}

	@Test
	void rateLimitWithoutRetryAfterPausesOneSecondThenTwoThenEnds() {
		String model = newModel();
		String device = newDeviceId();
		this.simulator.inject(Fault.status("device_code", device, 429, null));
		Api.Response first = pair(this.api, device, model);
		assertThat(first.status()).isEqualTo(503);
		assertThat(first.header("Retry-After")).as("not a default second for every device: the pause").isEqualTo("1");

		this.clock.advance(Duration.ofSeconds(1));
		this.simulator.inject(Fault.status("device_code", device, 429, null));
		Api.Response second = pair(this.api, device, model);
		assertThat(second.status()).isEqualTo(503);
		assertThat(second.header("Retry-After")).as("a 429 right after a pause doubles it").isEqualTo("2");

		this.clock.advance(Duration.ofSeconds(2));
		assertThat(pair(this.api, device, model).status()).isEqualTo(201);
		assertThat(codeRequests(device)).isEqualTo(3);
	}

	@Test
	void remainingZeroPausesTheEndpointUntilTheEndOfTheWindowBeforeAnyCallIsRefused() {
		String model = newModel();
		this.simulator.limitRate("device_code", 2, Duration.ofSeconds(60));
		try {
			String a = newDeviceId();
			String b = newDeviceId();
			String c = newDeviceId();
			assertThat(pair(this.api, a, model).status()).isEqualTo(201);
			assertThat(pair(this.api, b, model).status()).isEqualTo(201);

			Api.Response third = pair(this.api, c, model);
			assertThat(third.status()).isEqualTo(503);
			assertThat(third.header("Retry-After")).isEqualTo("60");
			assertThat(codeRequests(c)).as("x-ratelimit-remaining: 0 said the window was spent: no call").isZero();

			this.clock.advance(Duration.ofSeconds(60));
			assertThat(pair(this.api, c, model).status()).isEqualTo(201);
		}
		finally {
			this.simulator.liftRateLimits();
		}
	}

	@Test
	void pollWhenTheModelsTokenEndpointIsPausedThenNothingIsSentUntilThePauseEnds() {
		String model = newModel();
		String slow = newDeviceId();
		String waiting = newDeviceId();
		startPairing(this.station, slow, model, null);
		startPairing(this.station, waiting, model, null);
		this.simulator.inject(Fault.status("token_poll", slow, 429, "30"));
		this.simulator.inject(new Fault("token_poll", waiting, 400, Map.of("error", "authorization_pending"), null,
				null, 1));
		this.clock.advance(Duration.ofSeconds(5));
		this.engine.runOnce();
		long before = pollsOf(slow).size() + pollsOf(waiting).size();
		assertThat(before).isEqualTo(2);

		// The 429 paused the token endpoint for the model: nothing of it goes out for 30 s.
		advanceAndPoll(Duration.ofSeconds(5));
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pollsOf(slow).size() + pollsOf(waiting).size()).isEqualTo(before);
		JsonNode pending = pairingOf(waiting);
		assertThat(pending.path("status").asString()).isEqualTo("PENDING");
		assertThat(pending.path("version").asLong()).as("a pause is no state change").isEqualTo(1);

		advanceAndPoll(Duration.ofSeconds(25));
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pollsOf(slow)).hasSizeGreaterThan(1);
		assertThat(pollsOf(waiting)).hasSizeGreaterThan(1);
	}

	@Test
	void refreshOnAnotherReplicaWhileTheTokenEndpointIsPausedIsAnsweredRateLimitedWithoutACall() {
		String model = newModel();
		String device = newDeviceId();
		JsonNode started = startPairing(this.station, device, model, null);
		this.simulator.approve(started.path("userCode").asString());
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairingOf(device).path("status").asString()).isEqualTo("AUTHORIZED");

		String other = newDeviceId();
		startPairing(this.station, other, model, null);
		this.simulator.inject(Fault.status("token_poll", other, 429, "45"));
		advanceAndPoll(Duration.ofSeconds(5));
		replicaBHasSeenThePauseOf(model);

		// The access token needs a refresh now, and refreshes use the paused token endpoint.
		// (An eight-hour token with a minute left: paired eight hours ago.)
		this.jdbc.sql("update device set access_token_expires_at = ?, paired_at = ? where device_id = ?")
			.params(Timestamp.from(this.clock.instant().plusSeconds(60)),
					Timestamp.from(this.clock.instant().minus(Duration.ofHours(8))), device)
			.update();
		Api replicaBAdmin = Api.at(replicaB.port()).asAdmin();
		Api.Response paused = replicaBAdmin.post("/api/v1/devices/" + device + "/access-token", "");
		assertThat(paused.status()).as(paused.body()).isEqualTo(503);
		assertThat(paused.code()).isEqualTo("upstream_rate_limited");
		assertThat(Long.parseLong(paused.header("Retry-After"))).isBetween(39L, 45L);
		assertThat(this.simulator.requestCount("token_refresh", device)).isZero();
		assertThat(admin().get("/api/v1/devices/" + device).json().path("state").asString()).isEqualTo("PAIRED");

		this.clock.advance(Duration.ofSeconds(45));
		Api.Response refreshed = replicaBAdmin.post("/api/v1/devices/" + device + "/access-token", "");
		assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
		assertThat(this.simulator.requestCount("token_refresh", device)).isEqualTo(1);
	}

	private JsonNode pairingOf(String deviceId) {
		List<JsonNode> items = admin().get("/api/v1/pairings?deviceId=" + deviceId).json().path("items").valueStream()
			.toList();
		return items.get(0);
	}

}
