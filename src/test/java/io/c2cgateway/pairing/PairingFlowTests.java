package io.c2cgateway.pairing;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class PairingFlowTests extends IntegrationTest {

	@Test
	void startWhenApprovedThenPairingBecomesAuthorizedAndDevicePaired() {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, "\"clientVersion\": \"2.1.0\", \"urlPairing\": true");
		assertThat(started.path("status").asString()).isEqualTo("PENDING");
		assertThat(started.path("userCode").asString()).matches("\\d{6}");
		assertThat(started.path("verificationUriComplete").asString()).endsWith(started.path("userCode").asString());
		assertThat(started.path("codesIssued").asInt()).isEqualTo(1);
		assertThat(started.path("pollIntervalSeconds").asInt()).isEqualTo(5);
		assertThat(started.path("version").asLong()).isEqualTo(1);
		assertThat(started.path("createdAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
		assertThat(started.has("completedAt")).isTrue();
		assertThat(started.path("completedAt").isNull()).isTrue();

		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));

		JsonNode authorized = this.api.as(station).get("/api/v1/pairings/" + started.path("id").asString()).json();
		assertThat(authorized.path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(authorized.path("version").asLong()).isEqualTo(2);
		assertThat(authorized.path("completedAt").isNull()).isFalse();
		String state = this.jdbc.sql("select state from device where device_id = ?").param(deviceId).query(String.class).single();
		assertThat(state).isEqualTo("PAIRED");
	}

	@Test
	void startWhenSameStationAndModelHasPendingPairingThenItIsReturnedUnchanged() {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		JsonNode first = startPairing(station, deviceId, model, null);
		Api.Response again = this.api.as(station)
			.post("/api/v1/pairings", "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\", \"timeoutSeconds\": 60}");
		assertThat(again.status()).isEqualTo(200);
		assertThat(again.json()).isEqualTo(first);
		assertThat(this.simulator.requests().stream().filter((r) -> deviceId.equals(r.clientId())).count()).isEqualTo(1);
	}

	@Test
	void startWhenAnotherStationHasPendingPairingThenConflict() {
		String model = newModel();
		String deviceId = newDeviceId();
		startPairing(newKey("STATION"), deviceId, model, null);
		Api.Response other = this.api.as(newKey("STATION"))
			.post("/api/v1/pairings", "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
		assertThat(other.status()).isEqualTo(409);
		assertThat(other.code()).isEqualTo("pairing_conflict");
	}

}
