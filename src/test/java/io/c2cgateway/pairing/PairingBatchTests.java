package io.c2cgateway.pairing;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class PairingBatchTests extends IntegrationTest {

	@Test
	void batchWhenItemsMixedThenEachAnswersOnItsOwnInOrder() {
		String model = newModel();
		String station = newKey("STATION");
		String first = newDeviceId();
		String outage = newDeviceId();
		String last = newDeviceId();
		this.simulator.inject(Fault.status("device_code", outage, 503, null));
		String body = "{\"items\": ["
				+ item(first, model, "\"clientVersion\": \"2.1.0\"") + ","
				+ "{\"deviceId\": \"bad id!\", \"model\": \"" + model + "\", \"timeoutSeconds\": 5},"
				+ item(outage, model, null) + ","
				+ item(newDeviceId(), "no-such-model", null) + ","
				+ "{\"deviceId\": \"" + newDeviceId() + "\", \"model\": \"" + model + "\", \"timeoutSeconds\": \"soon\"},"
				+ "42,"
				+ item(last, model, null) + "]}";

		Api.Response response = this.api.as(station).post("/api/v1/pairings/batch", body);

		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JsonNode results = response.json().path("results");
		assertThat(results.size()).isEqualTo(7);
		for (int i = 0; i < 7; i++) {
			assertThat(results.get(i).path("index").asInt()).isEqualTo(i);
		}
		assertCreated(results.get(0), first, station);
		assertThat(results.get(0).path("pairing").path("clientVersion").asString()).isEqualTo("2.1.0");

		JsonNode invalid = results.get(1);
		assertThat(invalid.path("status").asInt()).isEqualTo(400);
		assertThat(invalid.path("pairing").isNull()).isTrue();
		assertThat(invalid.path("problem").path("code").asString()).isEqualTo("validation_failed");
		assertThat(invalid.path("problem").path("status").asInt()).isEqualTo(400);
		assertThat(fields(invalid.path("problem").path("errors"))).containsExactly("deviceId", "timeoutSeconds");

		JsonNode upstream = results.get(2);
		assertThat(upstream.path("status").asInt()).isEqualTo(504);
		assertThat(upstream.path("problem").path("code").asString()).isEqualTo("upstream_unavailable");

		assertThat(results.get(3).path("status").asInt()).isEqualTo(422);
		assertThat(results.get(3).path("problem").path("code").asString()).isEqualTo("unknown_model");

		assertThat(results.get(4).path("status").asInt()).isEqualTo(400);
		assertThat(fields(results.get(4).path("problem").path("errors"))).containsExactly("timeoutSeconds");

		assertThat(results.get(5).path("status").asInt()).isEqualTo(400);
		assertThat(results.get(5).path("problem").path("code").asString()).isEqualTo("validation_failed");

		assertCreated(results.get(6), last, station);

		// What failed stored nothing; what succeeded is there as if posted alone.
		assertThat(this.jdbc.sql("select count(*) from pairing where device_id = ?").param(outage).query(Long.class).single())
			.isZero();
		JsonNode stored = this.api.as(station).get("/api/v1/pairings/" + results.get(6).path("pairing").path("id").asString()).json();
		assertThat(stored).isEqualTo(results.get(6).path("pairing"));
	}

	@Test
	void batchWhenDeviceAlreadyPendingForSameCallerThenItemAnswers200WithExistingPairing() {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		JsonNode existing = startPairing(station, deviceId, model, null);

		JsonNode results = this.api.as(station)
			.post("/api/v1/pairings/batch", "{\"items\": [" + item(deviceId, model, null) + "]}")
			.json()
			.path("results");

		assertThat(results.get(0).path("status").asInt()).isEqualTo(200);
		assertThat(results.get(0).path("pairing")).isEqualTo(existing);
		assertThat(results.get(0).path("problem").isNull()).isTrue();
	}

	@Test
	void batchWhenManyItemsThenAllCreatedWithinBoundedConcurrency() {
		String model = newModel();
		String station = newKey("STATION");
		List<String> items = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			items.add(item(newDeviceId(), model, null));
		}
		Api.Response response = this.api.as(station)
			.post("/api/v1/pairings/batch", "{\"items\": [" + String.join(",", items) + "]}");

		assertThat(response.status()).isEqualTo(200);
		JsonNode results = response.json().path("results");
		assertThat(results.size()).isEqualTo(20);
		results.forEach((result) -> assertThat(result.path("status").asInt()).as(result.toString()).isEqualTo(201));
	}

	@Test
	void batchWhenBodyBreaksWholeBodyRulesThen400() {
		String station = newKey("STATION");
		Api.Response empty = this.api.as(station).post("/api/v1/pairings/batch", "{\"items\": []}");
		assertThat(empty.status()).isEqualTo(400);
		assertThat(empty.code()).isEqualTo("validation_failed");
		assertThat(fields(empty.json().path("errors"))).containsExactly("items");

		List<String> items = new ArrayList<>();
		for (int i = 0; i < 501; i++) {
			items.add("{}");
		}
		Api.Response tooMany = this.api.as(station)
			.post("/api/v1/pairings/batch", "{\"items\": [" + String.join(",", items) + "]}");
		assertThat(tooMany.status()).isEqualTo(400);
		assertThat(tooMany.code()).isEqualTo("validation_failed");

		Api.Response missing = this.api.as(station).post("/api/v1/pairings/batch", "{}");
		assertThat(missing.status()).isEqualTo(400);
		assertThat(missing.code()).isEqualTo("validation_failed");

		Api.Response malformed = this.api.as(station).post("/api/v1/pairings/batch", "{\"items\": [");
		assertThat(malformed.status()).isEqualTo(400);
		assertThat(malformed.code()).isEqualTo("malformed_request");
	}

	@Test
	void batchWhenNoKeyThenUnauthorized() {
		Api.Response anonymous = this.api.post("/api/v1/pairings/batch", "{\"items\": []}");
		assertThat(anonymous.status()).isEqualTo(401);
		assertThat(anonymous.code()).isEqualTo("unauthorized");
	}

	private void assertCreated(JsonNode result, String deviceId, String station) {
		assertThat(result.path("status").asInt()).as(result.toString()).isEqualTo(201);
		assertThat(result.path("problem").isNull()).isTrue();
		assertThat(result.path("pairing").path("deviceId").asString()).isEqualTo(deviceId);
		assertThat(result.path("pairing").path("status").asString()).isEqualTo("PENDING");
		assertThat(result.path("pairing").path("version").asLong()).isEqualTo(1);
	}

	private static String item(String deviceId, String model, String extra) {
		return "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"" + ((extra != null) ? ", " + extra : "")
				+ "}";
	}

	private static List<String> fields(JsonNode errors) {
		List<String> fields = new ArrayList<>();
		errors.forEach((error) -> fields.add(error.path("field").asString()));
		return fields;
	}

}
