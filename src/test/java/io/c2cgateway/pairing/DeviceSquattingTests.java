package io.c2cgateway.pairing;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A device another station paired is not up for grabs: re-pairing a {@code PAIRED} or
 * {@code REAUTH_REQUIRED} device needs the key that created its last pairing, or an ADMIN.
 */
class DeviceSquattingTests extends IntegrationTest {

	@Test
	void startWhenDevicePairedByAnotherStationThenConflictAndNothingStoredOrSentUpstream() {
		String model = newModel();
		String deviceId = newDeviceId();
		String owner = paired(model, deviceId);
		String squatter = newKey("STATION");
		long codeRequests = this.simulator.requestCount("device_code", deviceId);

		Api.Response refused = start(squatter, deviceId, model);

		assertThat(refused.status()).as(refused.body()).isEqualTo(409);
		assertThat(refused.code()).isEqualTo("device_paired_elsewhere");
		assertThat(refused.contentType()).startsWith("application/problem+json");
		assertThat(this.simulator.requestCount("device_code", deviceId)).as("nothing sent upstream").isEqualTo(codeRequests);
		assertThat(pairingsOf(deviceId)).as("nothing stored").isEqualTo(1);
		assertThat(auditCount(deviceId, "pairing.start_refused")).isEqualTo(1);
		assertThat(owner).isNotEqualTo(squatter);
	}

	@Test
	void startWhenDevicePairedByTheSameStationThenItMayPairAgain() {
		String model = newModel();
		String deviceId = newDeviceId();
		String owner = paired(model, deviceId);
		assertThat(start(owner, deviceId, model).status()).isEqualTo(201);
	}

	@Test
	void startWhenDevicePairedByAStationThenAnAdminMayPairItAgain() {
		String model = newModel();
		String deviceId = newDeviceId();
		paired(model, deviceId);
		assertThat(start(Api.BOOTSTRAP_KEY, deviceId, model).status()).isEqualTo(201);
	}

	@Test
	void startWhenDeviceMustReauthorizeThenStillOnlyItsStationOrAnAdmin() {
		String model = newModel();
		String deviceId = newDeviceId();
		String owner = paired(model, deviceId);
		this.jdbc.sql("update device set state = 'REAUTH_REQUIRED' where device_id = ?").param(deviceId).update();
		assertThat(start(newKey("STATION"), deviceId, model).code()).isEqualTo("device_paired_elsewhere");
		assertThat(start(owner, deviceId, model).status()).isEqualTo(201);
	}

	@Test
	void startWhenDeviceRevokedThenAnyStationMayPairIt() {
		String model = newModel();
		String deviceId = newDeviceId();
		paired(model, deviceId);
		assertThat(admin().post("/api/v1/devices/" + deviceId + "/revoke", null).status()).isEqualTo(200);
		assertThat(start(newKey("STATION"), deviceId, model).status()).isEqualTo(201);
	}

	@Test
	void startWhenTheOwningStationsKeyWasDeletedThenOnlyAnAdminMayPairIt() {
		String model = newModel();
		String deviceId = newDeviceId();
		String owner = paired(model, deviceId);
		String ownerId = this.jdbc.sql("select created_by_key_id::text from pairing where device_id = ?")
			.param(deviceId)
			.query(String.class)
			.single();
		assertThat(admin().delete("/api/v1/api-keys/" + ownerId).status()).isEqualTo(204);
		assertThat(this.api.as(owner).get("/api/v1/pairings").status()).isEqualTo(401);
		assertThat(start(newKey("STATION"), deviceId, model).code()).isEqualTo("device_paired_elsewhere");
		assertThat(start(Api.BOOTSTRAP_KEY, deviceId, model).status()).isEqualTo(201);
	}

	@Test
	void batchItemWhenDevicePairedByAnotherStationThenThatItemConflictsAndTheOthersStart() {
		String model = newModel();
		String taken = newDeviceId();
		paired(model, taken);
		String free = newDeviceId();
		Api.Response batch = this.api.as(newKey("STATION"))
			.post("/api/v1/pairings/batch", "{\"items\": [{\"deviceId\": \"" + taken + "\", \"model\": \"" + model
					+ "\"}, {\"deviceId\": \"" + free + "\", \"model\": \"" + model + "\"}]}");
		assertThat(batch.status()).as(batch.body()).isEqualTo(200);
		JsonNode results = batch.json().path("results");
		assertThat(results.get(0).path("status").asInt()).isEqualTo(409);
		assertThat(results.get(0).path("problem").path("code").asString()).isEqualTo("device_paired_elsewhere");
		assertThat(results.get(1).path("status").asInt()).isEqualTo(201);
		assertThat(pairingsOf(taken)).isEqualTo(1);
	}

	/** Pairs the device through a new station (approved in the simulator, polled); returns that station's key. */
	private String paired(String model, String deviceId) {
		String station = newKey("STATION");
		JsonNode started = startPairing(station, deviceId, model, null);
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");
		return station;
	}

	private Api.Response start(String key, String deviceId, String model) {
		return this.api.as(key)
			.post("/api/v1/pairings", "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
	}

	private long pairingsOf(String deviceId) {
		return this.jdbc.sql("select count(*) from pairing where device_id = ?").param(deviceId).query(Long.class).single();
	}

	private long auditCount(String deviceId, String action) {
		return this.jdbc.sql("select count(*) from audit_event where subject_id = ? and action = ?")
			.params(deviceId, action)
			.query(Long.class)
			.single();
	}

}
