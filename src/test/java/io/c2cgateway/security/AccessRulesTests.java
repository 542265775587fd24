package io.c2cgateway.security;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.Concurrently;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What keys may see once past the filter chain: foreign objects are 404, revoked keys stop at once.
 * Which role may call which route, and 401/403 shapes: {@link RouteAccessTests} (web slice).
 */
class AccessRulesTests extends IntegrationTest {

	@Test
	void revokedKeyStopsWorkingAtOnce() {
		Api.Response created = admin().post("/api/v1/api-keys", "{\"name\": \"short-lived\", \"role\": \"STATION\"}");
		String key = created.json().path("key").asString();
		assertThat(this.api.as(key).get("/api/v1/pairings").status()).isEqualTo(200);
		assertThat(admin().delete("/api/v1/api-keys/" + created.json().path("id").asString()).status()).isEqualTo(204);
		assertThat(this.api.as(key).get("/api/v1/pairings").status()).isEqualTo(401);
	}

	/** Two admins (or a retry) revoking one key at once: each is told 204, the audit says it once. */
	@Test
	void concurrentRevokesOfOneKeyAreAllNoContentAndAuditedOnce() throws Exception {
		for (int round = 0; round < 10; round++) {
			String id = admin().post("/api/v1/api-keys", "{\"name\": \"revoked-twice\", \"role\": \"STATION\"}")
				.json()
				.path("id")
				.asString();
			for (Api.Response response : Concurrently.atOnce(4, (i) -> admin().delete("/api/v1/api-keys/" + id))) {
				assertThat(response.status()).as(response.body()).isEqualTo(204);
			}
			assertThat(this.jdbc.sql("select count(*) from audit_event where action = 'api_key.revoked' and subject_id = ?")
				.param(id)
				.query(Long.class)
				.single()).as("round %d", round).isEqualTo(1);
		}
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

}
