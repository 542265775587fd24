package io.c2cgateway.security;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** 401, 403 and 404 exactly as the contract says, for every role. */
class AccessRulesTests extends IntegrationTest {

	@Test
	void missingUnknownOrMalformedKeyIsUnauthorized() {
		for (Api caller : new Api[] { this.api, this.api.as("c2cg_" + "A".repeat(43)), this.api.as("not-a-key") }) {
			Api.Response response = caller.get("/api/v1/pairings");
			assertThat(response.status()).isEqualTo(401);
			assertThat(response.code()).isEqualTo("unauthorized");
			assertThat(response.contentType()).startsWith("application/problem+json");
		}
		Api.Response basic = this.api.send("GET", "/api/v1/pairings", null, null,
				Map.of("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("a:b".getBytes())));
		assertThat(basic.status()).isEqualTo(401);
	}

	/** The contract's 404 for a path no controller serves, whatever the key; 401 without one. */
	@Test
	void apiPathNoControllerServesIsNotFoundForEveryRole() {
		for (Api caller : new Api[] { admin(), this.api.as(newKey("STATION")) }) {
			for (String path : new String[] { "/api/v1/not-yet-an-endpoint", "/api/v2/pairings", "/api/internal" }) {
				Api.Response response = caller.get(path);
				assertThat(response.status()).as(path).isEqualTo(404);
				assertThat(response.code()).isEqualTo("not_found");
			}
		}
		assertThat(this.api.get("/api/v1/not-yet-an-endpoint").status()).as("no key: 401 first").isEqualTo(401);
	}

	@Test
	void revokedKeyStopsWorkingAtOnce() {
		Api.Response created = admin().post("/api/v1/api-keys", "{\"name\": \"short-lived\", \"role\": \"STATION\"}");
		String key = created.json().path("key").asString();
		assertThat(this.api.as(key).get("/api/v1/pairings").status()).isEqualTo(200);
		assertThat(admin().delete("/api/v1/api-keys/" + created.json().path("id").asString()).status()).isEqualTo(204);
		assertThat(this.api.as(key).get("/api/v1/pairings").status()).isEqualTo(401);
	}

	@Test
	void stationMayNotDoAdminWork() {
		Api station = this.api.as(newKey("STATION"));
		assertThat(station.get("/api/v1/device-models").status()).isEqualTo(403);
		assertThat(station.put("/api/v1/device-models/x", "{\"clientSecret\": \"s\"}").code()).isEqualTo("forbidden");
		assertThat(station.post("/api/v1/api-keys", "{\"name\": \"n\", \"role\": \"ADMIN\"}").status()).isEqualTo(403);
		assertThat(station.get("/api/v1/api-keys").status()).isEqualTo(403);
	}

	@Test
	void stationSeesOnlyItsOwnPairingsAndForeignOnesAreNotFound() {
		String model = newModel();
		String mine = newKey("STATION");
		String theirs = newKey("STATION");
		JsonNode own = startPairing(mine, newDeviceId(), model, null);
		JsonNode foreign = startPairing(theirs, newDeviceId(), model, null);
		Api me = this.api.as(mine);
		assertThat(me.get("/api/v1/pairings/" + own.path("id").asString()).status()).isEqualTo(200);
		Api.Response hidden = me.get("/api/v1/pairings/" + foreign.path("id").asString());
		assertThat(hidden.status()).isEqualTo(404);
		assertThat(hidden.code()).isEqualTo("not_found");
		assertThat(me.delete("/api/v1/pairings/" + foreign.path("id").asString()).status()).isEqualTo(404);
		assertThat(pairing(foreign.path("id").asString()).path("status").asString()).isEqualTo("PENDING");
		JsonNode listed = me.get("/api/v1/pairings?limit=500").json().path("items");
		assertThat(listed.valueStream().map((item) -> item.path("id").asString()))
			.contains(own.path("id").asString())
			.doesNotContain(foreign.path("id").asString());
		assertThat(admin().get("/api/v1/pairings/" + foreign.path("id").asString()).status()).isEqualTo(200);
	}

	@Test
	void adminKeysCanBeCreatedListedWithoutTheirSecretAndUsed() {
		Api.Response created = admin().post("/api/v1/api-keys", "{\"name\": \"ops-tooling\", \"role\": \"ADMIN\"}");
		assertThat(created.status()).isEqualTo(201);
		JsonNode body = created.json();
		assertThat(body.path("key").asString()).startsWith("c2cg_").hasSize(48);
		assertThat(body.path("role").asString()).isEqualTo("ADMIN");
		String key = body.path("key").asString();
		Api.Response list = this.api.as(key).get("/api/v1/api-keys");
		assertThat(list.status()).isEqualTo(200);
		assertThat(list.body()).contains("ops-tooling").doesNotContain(key);
		String stored = this.jdbc.sql("select key_hash from api_key where id = ?::uuid")
			.param(body.path("id").asString())
			.query(String.class)
			.single();
		assertThat(stored).doesNotContain(key).hasSize(64);
	}

	@Test
	void bootstrapKeyActsAsAdminNamedBootstrapAdmin() {
		String model = newModel();
		JsonNode pairing = startPairing(Api.BOOTSTRAP_KEY, newDeviceId(), model, null);
		assertThat(pairing.path("createdBy").asString()).isEqualTo("bootstrap-admin");
	}

	@Test
	void unknownKeyIdIsNotFound() {
		assertThat(admin().delete("/api/v1/api-keys/" + java.util.UUID.randomUUID()).status()).isEqualTo(404);
		assertThat(admin().delete("/api/v1/api-keys/not-a-uuid").status()).isEqualTo(404);
	}


	@Test
	void apiKeyRequestBreakingARuleIsValidationFailedAndCreatesNothing() {
		long before = this.jdbc.sql("select count(*) from api_key").query(Long.class).single();
		for (String body : new String[] { "{}", "{\"name\": \"x\"}", "{\"name\": \"x\", \"role\": \"ROOT\"}",
				"{\"name\": \"x\", \"role\": \"DEVICE\"}", "{\"name\": \"\", \"role\": \"ADMIN\"}",
				"{\"name\": \"" + "n".repeat(101) + "\", \"role\": \"ADMIN\"}" }) {
			Api.Response response = admin().post("/api/v1/api-keys", body);
			assertThat(response.status()).as(body).isEqualTo(400);
			assertThat(response.code()).isEqualTo("validation_failed");
			assertThat(response.json().path("errors")).isNotEmpty();
		}
		assertThat(this.jdbc.sql("select count(*) from api_key").query(Long.class).single()).isEqualTo(before);
	}

}
