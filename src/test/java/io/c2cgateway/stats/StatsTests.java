package io.c2cgateway.stats;

import java.time.Duration;

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
	void statsCountsFollowEveryKindOfChangeExactly() {
		assertCountsMatchTheTables();
		String station = newKey("STATION");
		String model = newModel();
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, null);
		JsonNode refused = startPairing(station, newDeviceId(), model, null);
		assertCountsMatchTheTables();

		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		assertThat(this.simulator.deny(refused.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");
		assertCountsMatchTheTables();

		assertThat(admin().post("/api/v1/devices/" + deviceId + "/revoke", null).status()).isEqualTo(200);
		assertCountsMatchTheTables();

		// Retention deletes finished pairings; the counts follow deletions too.
		assertThat(this.jdbc.sql("delete from pairing where id = ?")
			.param(java.util.UUID.fromString(refused.path("id").asString()))
			.update()).isEqualTo(1);
		assertCountsMatchTheTables();
	}

	/** The kept counts against a full count of both tables, read in one snapshot. */
	private void assertCountsMatchTheTables() {
		java.util.List<String> mismatches = this.jdbc.sql("""
				select 'pairing ' || coalesce(t.status, c.status) || ': counted ' || coalesce(c.n, 0) || ', in table ' || coalesce(t.n, 0)
				from (select status, count(*) as n from pairing group by status) t
				full join (select value as status, sum(n) as n from status_count where kind = 'pairing' group by value) c on c.status = t.status
				where coalesce(t.n, 0) <> coalesce(c.n, 0)
				union all
				select 'device ' || coalesce(t.state, c.state) || ': counted ' || coalesce(c.n, 0) || ', in table ' || coalesce(t.n, 0)
				from (select state, count(*) as n from device group by state) t
				full join (select value as state, sum(n) as n from status_count where kind = 'device' group by value) c on c.state = t.state
				where coalesce(t.n, 0) <> coalesce(c.n, 0)
				""").query(String.class).list();
		assertThat(mismatches).isEmpty();
	}

	@Test
	void statsWhenCallerIsStationThenForbidden() {
		assertThat(this.api.as(newKey("STATION")).get("/api/v1/stats").status()).isEqualTo(403);
	}

	private static long count(JsonNode stats, String status) {
		return stats.path("pairings").path(status).asLong();
	}

}
