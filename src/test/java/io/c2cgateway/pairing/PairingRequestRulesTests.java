package io.c2cgateway.pairing;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input that needs the database (an unknown model) changes nothing; upstream failure maps to
 * 502/503/504. Requests refused by the web layer alone: {@link PairingRequestShapeTests}.
 */
class PairingRequestRulesTests extends IntegrationTest {

	private String model;

	private Api station;

	@BeforeEach
	void setUp() {
		this.model = newModel();
		this.station = this.api.as(newKey("STATION"));
	}

	private long pairingsOf(String deviceId) {
		return this.jdbc.sql("select count(*) from pairing where device_id = ?").param(deviceId).query(Long.class).single();
	}

	@Test
	void unknownModelIsUnprocessable() {
		String deviceId = newDeviceId();
		Api.Response response = this.station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"no-such-model\"}");
		assertThat(response.status()).isEqualTo(422);
		assertThat(response.code()).isEqualTo("unknown_model");
		assertThat(pairingsOf(deviceId)).isZero();
	}

	@Test
	void pairingIdThatIsNotAUuidIsNotFound() {
		assertThat(this.station.get("/api/v1/pairings/123").status()).isEqualTo(404);
		assertThat(this.station.delete("/api/v1/pairings/abc").status()).isEqualTo(404);
	}

	@Test
	void upstreamRefusalIsBadGatewayWithItsErrorAndStoresNothing() {
		String secretModel = "m-refused-" + java.util.UUID.randomUUID().toString().substring(0, 6);
		admin().put("/api/v1/device-models/" + secretModel, "{\"clientSecret\": \"invalid-secret\"}");
		String deviceId = newDeviceId();
		Api.Response response = this.station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + secretModel + "\"}");
		assertThat(response.status()).isEqualTo(502);
		assertThat(response.code()).isEqualTo("upstream_error");
		assertThat(response.json().path("upstreamError").asString()).isEqualTo("invalid_client");
		assertThat(response.body()).doesNotContain("invalid-secret");
		assertThat(pairingsOf(deviceId)).isZero();
		assertThat(this.jdbc.sql("select count(*) from audit_event where subject_id = ? and action = 'pairing.start_failed'")
			.param(deviceId).query(Long.class).single()).isEqualTo(1);
	}

	@Test
	void upstreamRateLimitIsServiceUnavailableWithRetryAfter() {
		String deviceId = newDeviceId();
		this.simulator.inject(Fault.status("device_code", deviceId, 429, "12"));
		Api.Response response = this.station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + this.model + "\"}");
		assertThat(response.status()).isEqualTo(503);
		assertThat(response.code()).isEqualTo("upstream_rate_limited");
		assertThat(response.header("Retry-After")).isEqualTo("12");
		assertThat(pairingsOf(deviceId)).isZero();
	}

	@Test
	void upstreamOutageOrTimeoutIsGatewayTimeout() {
		String deviceId = newDeviceId();
		this.simulator.inject(Fault.status("device_code", deviceId, 503, null));
		this.simulator.inject(Fault.delay("device_code", deviceId, Duration.ofMillis(4000)));
		for (int attempt = 0; attempt < 2; attempt++) {
			Api.Response response = this.station.post("/api/v1/pairings",
					"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + this.model + "\"}");
			assertThat(response.status()).isEqualTo(504);
			assertThat(response.code()).isEqualTo("upstream_unavailable");
		}
		assertThat(pairingsOf(deviceId)).isZero();
		// and once Frame.io is back, the same request works
		assertThat(this.station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + this.model + "\"}").status()).isEqualTo(201);
	}

	@Test
	void defaultsComeFromTheModel() {
		admin().put("/api/v1/device-models/" + this.model, "{\"urlPairing\": true, \"defaultClientVersion\": \"3.2.1\"}");
		String deviceId = newDeviceId();
		JsonNode pairing = this.station.post("/api/v1/pairings",
				"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + this.model + "\"}").json();
		assertThat(pairing.path("clientVersion").asString()).isEqualTo("3.2.1");
		assertThat(pairing.path("urlPairing").asBoolean()).isTrue();
		assertThat(Duration.between(java.time.Instant.parse(pairing.path("createdAt").asString()),
				java.time.Instant.parse(pairing.path("expiresAt").asString()))).isEqualTo(Duration.ofSeconds(900));
		assertThat(this.simulator.requests()).filteredOn((request) -> deviceId.equals(request.clientId()))
			.allMatch((request) -> "3.2.1".equals(request.clientVersion()) && "true".equals(request.platypusHeader()));
	}

	@Test
	void cancelThenCancelAgainReturnsItButAFinishedPairingCannotBeCancelled() {
		JsonNode started = startPairing(newKey("STATION"), newDeviceId(), this.model, null);
		String id = started.path("id").asString();
		Api.Response cancelled = admin().delete("/api/v1/pairings/" + id);
		assertThat(cancelled.status()).isEqualTo(200);
		assertThat(cancelled.json().path("status").asString()).isEqualTo("CANCELLED");
		assertThat(cancelled.json().path("version").asLong()).isEqualTo(2);
		Api.Response again = admin().delete("/api/v1/pairings/" + id);
		assertThat(again.status()).isEqualTo(200);
		assertThat(again.json()).isEqualTo(cancelled.json());

		JsonNode other = startPairing(newKey("STATION"), newDeviceId(), this.model, null);
		this.simulator.deny(other.path("userCode").asString());
		advanceAndPoll(Duration.ofSeconds(5));
		Api.Response finished = admin().delete("/api/v1/pairings/" + other.path("id").asString());
		assertThat(finished.status()).isEqualTo(409);
		assertThat(finished.code()).isEqualTo("pairing_finished");
	}

	@Test
	void listIsNewestFirstFilteredAndPagedByCursor() {
		String key = newKey("STATION");
		Set<String> created = new HashSet<>();
		for (int i = 0; i < 5; i++) {
			created.add(startPairing(key, newDeviceId(), this.model, null).path("id").asString());
			this.clock.advance(Duration.ofMillis(10));
		}
		Api me = this.api.as(key);
		Set<String> seen = new HashSet<>();
		String cursor = null;
		String previousCreatedAt = null;
		int pages = 0;
		do {
			JsonNode page = me.get("/api/v1/pairings?limit=2&status=PENDING&model=" + this.model
					+ ((cursor != null) ? "&cursor=" + cursor : "")).json();
			for (JsonNode item : page.path("items")) {
				assertThat(seen.add(item.path("id").asString())).isTrue();
				if (previousCreatedAt != null) {
					assertThat(item.path("createdAt").asString()).isLessThanOrEqualTo(previousCreatedAt);
				}
				previousCreatedAt = item.path("createdAt").asString();
			}
			cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asString();
			pages++;
		}
		while (cursor != null);
		assertThat(seen).isEqualTo(created);
		assertThat(pages).isEqualTo(3);
		assertThat(me.get("/api/v1/pairings?status=AUTHORIZED&model=" + this.model).json().path("items")).isEmpty();
	}

	@Test
	void noResponseEverCarriesTheClientSecretOrTheDeviceCode() {
		String key = newKey("STATION");
		JsonNode started = startPairing(key, newDeviceId(), this.model, null);
		advanceAndPoll(Duration.ofSeconds(5));
		String deviceCode = pollsOf(started.path("deviceId").asString()).get(0).deviceCode();
		String secret = "secret-of-" + this.model;
		List<Api.Response> responses = List.of(admin().get("/api/v1/device-models/" + this.model),
				admin().get("/api/v1/device-models"), admin().get("/api/v1/pairings/" + started.path("id").asString()),
				admin().get("/api/v1/pairings?limit=500"),
				admin().put("/api/v1/device-models/" + this.model, "{\"clientSecret\": \"rotated-" + secret + "\"}"));
		for (Api.Response response : responses) {
			assertThat(response.body()).doesNotContain(secret).doesNotContain(deviceCode).doesNotContain("clientSecret");
		}
		String stored = this.jdbc.sql("select client_secret_enc from device_model where model = ?")
			.param(this.model).query(String.class).single();
		assertThat(stored).startsWith("v1.").doesNotContain(secret);
	}

}
