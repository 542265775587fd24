package io.c2cgateway.stats;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class StatsTests extends IntegrationTest {

	@Test
	void statsWhenPairingStartedAndCancelledThenCountsMoveAndEveryStatusIsListed() {
		JsonNode before = admin().get("/api/v1/stats").json();
		assertThat(before.path("pairings").propertyNames()).containsExactly("PENDING", "AUTHORIZED", "EXPIRED", "DENIED",
				"FAILED", "CANCELLED");
		assertThat(before.path("devices").propertyNames()).containsExactly("PAIRED", "REAUTH_REQUIRED", "REVOKED");

		String station = newKey("STATION");
		String id = startPairing(station, newDeviceId(), newModel(), null).path("id").asString();
		JsonNode pending = admin().get("/api/v1/stats").json();
		assertThat(count(pending, "PENDING")).isEqualTo(count(before, "PENDING") + 1);

		assertThat(this.api.as(station).delete("/api/v1/pairings/" + id).status()).isEqualTo(200);
		JsonNode after = admin().get("/api/v1/stats").json();
		assertThat(count(after, "PENDING")).isEqualTo(count(before, "PENDING"));
		assertThat(count(after, "CANCELLED")).isEqualTo(count(before, "CANCELLED") + 1);
	}

	@Test
	void statsWhenCallerIsStationThenForbidden() {
		assertThat(this.api.as(newKey("STATION")).get("/api/v1/stats").status()).isEqualTo(403);
	}

	private static long count(JsonNode stats, String status) {
		return stats.path("pairings").path(status).asLong();
	}

}
