package io.c2cgateway.devicemodel;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.Concurrently;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceModelApiTests extends IntegrationTest {

	private static String name() {
		return "cam-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@Test
	void putCreatesWithDefaultsThenUpdatesAndRotatesTheSecret() {
		String model = name();
		Api.Response created = admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"first\"}");
		assertThat(created.status()).isEqualTo(201);
		JsonNode body = created.json();
		assertThat(body.path("scope").asString()).isEqualTo("asset_create offline");
		assertThat(body.path("defaultClientVersion").asString()).isEqualTo("0.0.0");
		assertThat(body.path("urlPairing").asBoolean()).isFalse();
		assertThat(body.has("clientSecret")).isFalse();

		this.clock.advance(java.time.Duration.ofSeconds(1));
		Api.Response updated = admin().put("/api/v1/device-models/" + model, "{\"scope\": \"offline\"}");
		assertThat(updated.status()).isEqualTo(200);
		assertThat(updated.json().path("scope").asString()).isEqualTo("offline");
		assertThat(updated.json().path("secretUpdatedAt")).isEqualTo(body.path("secretUpdatedAt"));

		this.clock.advance(java.time.Duration.ofSeconds(1));
		Api.Response rotated = admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"second\"}");
		assertThat(rotated.json().path("secretUpdatedAt")).isNotEqualTo(body.path("secretUpdatedAt"));
		assertThat(rotated.json().path("scope").asString()).isEqualTo("offline");
		assertThat(admin().get("/api/v1/device-models/" + model).json()).isEqualTo(rotated.json());
	}

	@Test
	void createWithoutSecretOrWithBadFieldsIsValidationFailedAndStoresNothing() {
		String model = name();
		for (String body : new String[] { "{}", "{\"clientSecret\": \"s\", \"scope\": \"admin\"}",
				"{\"clientSecret\": \"s\", \"defaultClientVersion\": \"v1\"}", "{\"clientSecret\": \"  \"}" }) {
			Api.Response response = admin().put("/api/v1/device-models/" + model, body);
			assertThat(response.status()).as(body).isEqualTo(400);
			assertThat(response.code()).isEqualTo("validation_failed");
		}
		assertThat(admin().put("/api/v1/device-models/Bad_Name", "{\"clientSecret\": \"s\"}").status()).isEqualTo(400);
		assertThat(admin().get("/api/v1/device-models/" + model).status()).isEqualTo(404);
	}

	/** Contract 1.2: without offline Frame.io issues no refresh token, and custody of the device is impossible. */
	@Test
	void scopeWithoutOfflineIsValidationFailedOnScopeAndChangesNothing() {
		String model = name();
		Api.Response created = admin().put("/api/v1/device-models/" + model,
				"{\"clientSecret\": \"s\", \"scope\": \"asset_create\"}");
		assertThat(created.status()).isEqualTo(400);
		assertThat(created.code()).isEqualTo("validation_failed");
		assertThat(created.json().path("errors").path(0).path("field").asString()).isEqualTo("scope");
		assertThat(admin().get("/api/v1/device-models/" + model).status()).isEqualTo(404);

		assertThat(admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"s\"}").status()).isEqualTo(201);
		Api.Response narrowed = admin().put("/api/v1/device-models/" + model, "{\"scope\": \"asset_create\"}");
		assertThat(narrowed.status()).isEqualTo(400);
		assertThat(admin().get("/api/v1/device-models/" + model).json().path("scope").asString())
			.isEqualTo("asset_create offline");
	}

	@Test
	void deleteIsRefusedWhileAPendingPairingUsesTheModel() {
		String model = newModel();
		String deviceId = newDeviceId();
		JsonNode pairing = startPairing(newKey("STATION"), deviceId, model, null);
		Api.Response refused = admin().delete("/api/v1/device-models/" + model);
		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.code()).isEqualTo("model_in_use");
		admin().delete("/api/v1/pairings/" + pairing.path("id").asString());
		assertThat(admin().delete("/api/v1/device-models/" + model).status()).isEqualTo(204);
		assertThat(admin().get("/api/v1/device-models/" + model).status()).isEqualTo(404);
		assertThat(admin().delete("/api/v1/device-models/" + model).status()).isEqualTo(404);
	}

	@Test
	void deleteIsRefusedWhileAPairedDeviceUsesTheModel() {
		String model = newModel();
		JsonNode pairing = startPairing(newKey("STATION"), newDeviceId(), model, null);
		this.simulator.approve(pairing.path("userCode").asString());
		advanceAndPoll(java.time.Duration.ofSeconds(5));
		assertThat(admin().delete("/api/v1/device-models/" + model).code()).isEqualTo("model_in_use");
	}

	/**
	 * Two admins (or a retried request) deleting the same model at once: one deletes it, the
	 * others find it gone. Not a 503: the database was there all along.
	 */
	@Test
	void concurrentDeletesOfOneModelAreOneNoContentAndTheRestNotFound() throws Exception {
		for (int round = 0; round < 10; round++) {
			String model = newModel();
			List<Api.Response> answers = Concurrently.atOnce(4, (i) -> admin().delete("/api/v1/device-models/" + model));
			answers.forEach((response) -> assertThat(response.status()).as(response.body()).isIn(204, 404));
			assertThat(answers.stream().map(Api.Response::status)).as("round %d", round).containsOnlyOnce(204);
		}
	}

	/** The same for creation: one creates, the others update what it created; no duplicate key surfaces. */
	@Test
	void concurrentCreatesOfOneModelAreOneCreatedAndTheRestUpdates() throws Exception {
		for (int round = 0; round < 10; round++) {
			String model = name();
			List<Api.Response> answers = Concurrently.atOnce(4,
					(i) -> admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"s-" + i + "\"}"));
			answers.forEach((response) -> assertThat(response.status()).as(response.body()).isIn(200, 201));
			assertThat(answers.stream().map(Api.Response::status)).as("round %d", round).containsOnlyOnce(201);
		}
	}

	/** A create or update racing a delete: each answer is one the request would get alone, never a 5xx. */
	@Test
	void concurrentPutsAndDeletesOfOneModelAnswerAsIfOneAfterTheOther() throws Exception {
		for (int round = 0; round < 10; round++) {
			String model = newModel();
			List<Api.Response> answers = Concurrently.atOnce(4,
					(i) -> (i % 2 == 0) ? admin().delete("/api/v1/device-models/" + model)
							: admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"s-" + i + "\"}"));
			answers.forEach((response) -> assertThat(response.status()).as(response.body()).isIn(200, 201, 204, 404));
		}
	}

	/**
	 * New pairings read their model from a copy; the copy must not outlive the model. Another
	 * replica's delete does not reach this replica's copy, so the insert itself checks.
	 */
	@Test
	void startPairingOfAModelDeletedOnAnotherReplicaIsUnknownModelAndStoresNothing() {
		String model = newModel();
		String station = newKey("STATION");
		JsonNode first = startPairing(station, newDeviceId(), model, null);
		admin().delete("/api/v1/pairings/" + first.path("id").asString());
		// As another replica deletes it: the row goes, this replica's copy stays.
		this.jdbc.sql("delete from pairing where model = ?").param(model).update();
		assertThat(this.jdbc.sql("delete from device_model where model = ?").param(model).update()).isEqualTo(1);

		String deviceId = newDeviceId();
		Api.Response refused = this.api.as(station)
			.post("/api/v1/pairings", "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
		assertThat(refused.status()).as(refused.body()).isEqualTo(422);
		assertThat(refused.code()).isEqualTo("unknown_model");
		assertThat(this.jdbc.sql("select count(*) from pairing where device_id = ?").param(deviceId).query(Long.class).single())
			.isZero();
	}

	@Test
	void startPairingAfterAModelChangeOnThisReplicaUsesTheNewDefaultsAtOnce() {
		String model = newModel();
		String station = newKey("STATION");
		assertThat(startPairing(station, newDeviceId(), model, null).path("clientVersion").asString()).isEqualTo("1.0.0");
		assertThat(admin().put("/api/v1/device-models/" + model, "{\"defaultClientVersion\": \"2.0.0\"}").status())
			.isEqualTo(200);
		assertThat(startPairing(station, newDeviceId(), model, null).path("clientVersion").asString()).isEqualTo("2.0.0");
	}

	/**
	 * A change made on another replica reaches this replica's new pairings once its copy is 500 ms
	 * old: every request that still got the old default started less than 500 ms after the change.
	 */
	@Test
	void startPairingAfterAModelChangeOnAnotherReplicaUsesTheNewDefaultsWithinHalfASecond() {
		String model = newModel();
		String station = newKey("STATION");
		assertThat(startPairing(station, newDeviceId(), model, null).path("clientVersion").asString()).isEqualTo("1.0.0");
		this.jdbc.sql("update device_model set default_client_version = '3.0.0' where model = ?").param(model).update();
		long changed = System.nanoTime();
		long lastStale = changed;
		String seen = "1.0.0";
		while (seen.equals("1.0.0") && System.nanoTime() - changed < java.time.Duration.ofSeconds(10).toNanos()) {
			long started = System.nanoTime();
			seen = startPairing(station, newDeviceId(), model, null).path("clientVersion").asString();
			if (seen.equals("1.0.0")) {
				lastStale = started;
			}
		}
		assertThat(seen).isEqualTo("3.0.0");
		assertThat(java.time.Duration.ofNanos(lastStale - changed)).isLessThan(java.time.Duration.ofMillis(500));
	}

}
