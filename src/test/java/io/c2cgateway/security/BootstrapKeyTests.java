package io.c2cgateway.security;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.EventStream;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class BootstrapKeyTests extends IntegrationTest {

	@AfterEach
	void bootstrapKeyBack() {
		// Every other test signs in with the bootstrap key.
		this.jdbc.sql("delete from bootstrap_key_disabled").update();
	}

	@Test
	void disablingTheBootstrapKeyWhileNoOtherAdminKeyWorksIsRefusedSoNobodyIsLockedOut() {
		this.jdbc.sql("update api_key set revoked_at = now() where role = 'ADMIN' and revoked_at is null").update();

		Api.Response refused = admin().delete("/api/v1/api-keys/bootstrap");

		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.json().path("code").asString()).isEqualTo("no_other_admin_key");
		assertThat(admin().get("/api/v1/api-keys").status()).isEqualTo(200);
	}

	@Test
	void disablingTheBootstrapKeyMakesItUnauthorizedOnEveryReplicaAndIsAudited() {
		String adminKey = newKey("ADMIN");
		int disabledBefore = admin().get("/api/v1/audit-events?action=api_key.bootstrap_disabled").json().path("items").size();
		try (SecondReplica second = SecondReplica.start("bootstrap-off-replica")) {
			Api secondReplica = Api.at(second.port());
			assertThat(secondReplica.asAdmin().get("/api/v1/api-keys").status()).isEqualTo(200);

			assertThat(admin().delete("/api/v1/api-keys/bootstrap").status()).isEqualTo(204);

			assertThat(admin().get("/api/v1/api-keys").status()).isEqualTo(401);
			assertThat(secondReplica.asAdmin().get("/api/v1/api-keys").status()).isEqualTo(401);
			assertThat(this.api.as(adminKey).get("/api/v1/api-keys").status()).isEqualTo(200);
			// Once off it stays off; saying so again changes nothing.
			assertThat(this.api.as(adminKey).delete("/api/v1/api-keys/bootstrap").status()).isEqualTo(204);
			var events = this.api.as(adminKey).get("/api/v1/audit-events?action=api_key.bootstrap_disabled").json()
				.path("items");
			assertThat(events.size()).isEqualTo(disabledBefore + 1);
			assertThat(events.valueStream().map((event) -> event.path("actor").asString()))
				.anyMatch((actor) -> actor.contains("bootstrap-admin"));
			assertThat(this.jdbc.sql("select count(*) from audit_event where action = 'auth.refused' and detail like ?")
				.param("%reason=bootstrap_disabled%")
				.query(Long.class)
				.single()).isPositive();
		}
	}

	@Test
	void anEventStreamOpenedWithTheBootstrapKeyEndsWhenTheKeyIsSwitchedOff() {
		String adminKey = newKey("ADMIN");
		JsonNode started = startPairing(newKey("STATION"), newDeviceId(), newModel(), null);
		try (EventStream stream = EventStream.open(this.port, Api.BOOTSTRAP_KEY,
				"/api/v1/pairings/" + started.path("id").asString() + "/events")) {
			assertThat(stream.status()).isEqualTo(200);

			assertThat(this.api.as(adminKey).delete("/api/v1/api-keys/bootstrap").status()).isEqualTo(204);

			stream.awaitEndAfterAnyEvents(Duration.ofSeconds(10));
		}
	}

	@Test
	void aStationKeyMayNotDisableTheBootstrapKey() {
		assertThat(this.api.as(newKey("STATION")).delete("/api/v1/api-keys/bootstrap").status()).isEqualTo(403);
		assertThat(admin().get("/api/v1/api-keys").status()).isEqualTo(200);
	}

}
