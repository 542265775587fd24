package io.c2cgateway.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitTests extends IntegrationTest {

	/** The test profile limits keys named {@code rate-limit-probe} to 3 requests, then 1 an hour. */
	@Test
	void requestWhenKeyOverItsLimitThen429WithRetryAfterAndOtherKeysUnaffected() {
		Api probe = this.api.as(newNamedKey("rate-limit-probe"));
		String path = "/api/v1/pairings/" + UUID.randomUUID();
		for (int i = 0; i < 3; i++) {
			assertThat(probe.get(path).status()).isEqualTo(404);
		}

		Api.Response limited = probe.get(path);
		assertThat(limited.status()).isEqualTo(429);
		assertThat(limited.code()).isEqualTo("rate_limited");
		assertThat(limited.contentType()).startsWith("application/problem+json");
		assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 3600L);
		assertThat(probe.post("/api/v1/pairings", "{}").status()).isEqualTo(429);

		assertThat(this.api.as(newKey("STATION")).get(path).status()).isEqualTo(404);
	}

	/** The test profile limits keys named {@code rate-limit-batch} to 5 at once, then 5 an hour (one per 720 s). */
	@Test
	void batchOfFiveItemsWhenKeyAllowsFiveThenKeyHasNoBudgetLeftAndNextRequestGets429() {
		Api station = this.api.as(newNamedKey("rate-limit-batch"));
		String model = newModel();

		Api.Response batch = station.post("/api/v1/pairings/batch", batchOf(model, newDeviceIds(5)));

		assertThat(batch.status()).as(batch.body()).isEqualTo(200);
		assertThat(statuses(batch)).containsOnly(201).hasSize(5);
		Api.Response limited = station.get("/api/v1/pairings/" + UUID.randomUUID());
		assertThat(limited.status()).isEqualTo(429);
		assertThat(limited.code()).isEqualTo("rate_limited");
		assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 720L);
	}

	@Test
	void batchLargerThanBurstWhenKeyHasBudgetThenItGoesThroughAndKeyWaitsUntilItsDebtIsPaid() {
		Api station = this.api.as(newNamedKey("rate-limit-batch"));
		String model = newModel();

		Api.Response batch = station.post("/api/v1/pairings/batch", batchOf(model, newDeviceIds(8)));

		// 5 in the bucket, 8 charged: 3 owed, so the next request waits for 4 refills of 720 s.
		assertThat(batch.status()).as(batch.body()).isEqualTo(200);
		assertThat(statuses(batch)).containsOnly(201).hasSize(8);
		Api.Response limited = station.get("/api/v1/pairings/" + UUID.randomUUID());
		assertThat(limited.status()).isEqualTo(429);
		assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(3 * 720L + 1, 4 * 720L);
	}

	@Test
	void batchWhenKeyOutOfBudgetThen429WithRetryAfterAndNoPairingCreated() {
		Api station = this.api.as(newNamedKey("rate-limit-batch"));
		String model = newModel();
		for (int i = 0; i < 5; i++) {
			assertThat(station.get("/api/v1/pairings/" + UUID.randomUUID()).status()).isEqualTo(404);
		}
		List<String> deviceIds = newDeviceIds(3);

		Api.Response limited = station.post("/api/v1/pairings/batch", batchOf(model, deviceIds));

		assertThat(limited.status()).isEqualTo(429);
		assertThat(limited.code()).isEqualTo("rate_limited");
		assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 720L);
		for (String deviceId : deviceIds) {
			assertThat(this.jdbc.sql("select count(*) from pairing where device_id = ?").param(deviceId).query(Long.class).single())
				.isZero();
			assertThat(this.simulator.requests()).noneMatch((request) -> deviceId.equals(request.clientId()));
		}
	}

	@Test
	void batchWhenBodyBreaksAWholeBodyRuleThenItCostsOneRequestOnly() {
		Api station = this.api.as(newNamedKey("rate-limit-batch"));
		String model = newModel();
		List<String> tooMany = new ArrayList<>();
		for (int i = 0; i < 501; i++) {
			tooMany.add("SN-too-many-" + i);
		}

		assertThat(station.post("/api/v1/pairings/batch", batchOf(model, tooMany)).status()).isEqualTo(400);

		Api.Response batch = station.post("/api/v1/pairings/batch", batchOf(model, newDeviceIds(4)));
		assertThat(batch.status()).as(batch.body()).isEqualTo(200);
		assertThat(station.get("/api/v1/pairings/" + UUID.randomUUID()).status()).isEqualTo(429);
	}

	private String newNamedKey(String name) {
		Api.Response created = admin().post("/api/v1/api-keys", "{\"name\": \"" + name + "\", \"role\": \"STATION\"}");
		assertThat(created.status()).isEqualTo(201);
		return created.json().path("key").asString();
	}

	private static List<String> newDeviceIds(int count) {
		List<String> deviceIds = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			deviceIds.add(newDeviceId());
		}
		return deviceIds;
	}

	private static String batchOf(String model, List<String> deviceIds) {
		List<String> items = deviceIds.stream()
			.map((deviceId) -> "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}")
			.toList();
		return "{\"items\": [" + String.join(",", items) + "]}";
	}

	private static List<Integer> statuses(Api.Response batch) {
		List<Integer> statuses = new ArrayList<>();
		for (JsonNode result : batch.json().path("results")) {
			statuses.add(result.path("status").asInt());
		}
		return statuses;
	}

}
