package io.c2cgateway.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class AuditTrailTests extends IntegrationTest {

	@Test
	void auditWhenFullFlowThenEveryTransitionHasAnEvent() {
		String model = newModel();
		Api.Response key = admin().post("/api/v1/api-keys",
				"{\"name\": \"audit-" + UUID.randomUUID().toString().substring(0, 8) + "\", \"role\": \"STATION\"}");
		String keyId = key.json().path("id").asString();
		String keyName = key.json().path("name").asString();
		String station = key.json().path("key").asString();
		String deviceId = newDeviceId();
		String id = startPairing(station, deviceId, model, null).path("id").asString();
		advanceAndPoll(Duration.ofSeconds(121));
		assertThat(this.simulator.approve(pairing(id).path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");

		String denied = startPairing(station, newDeviceId(), model, null).path("id").asString();
		assertThat(this.simulator.deny(pairing(denied).path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		String cancelled = startPairing(station, newDeviceId(), model, null).path("id").asString();
		assertThat(this.api.as(station).delete("/api/v1/pairings/" + cancelled).status()).isEqualTo(200);
		assertThat(admin().put("/api/v1/device-models/" + model, "{\"scope\": \"offline\"}").status()).isEqualTo(200);
		assertThat(admin().delete("/api/v1/api-keys/" + keyId).status()).isEqualTo(204);

		List<JsonNode> pairingEvents = events("subjectId=" + id);
		assertThat(actions(pairingEvents)).containsExactly("pairing.authorized", "pairing.code_renewed", "pairing.created");
		JsonNode created = pairingEvents.get(2);
		assertThat(created.path("actor").asString()).isEqualTo("station:" + keyId + ":" + keyName);
		assertThat(created.path("subjectType").asString()).isEqualTo("pairing");
		assertThat(created.path("subjectId").asString()).isEqualTo(id);
		assertThat(created.path("at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
		assertThat(created.path("detail").asString()).contains(deviceId);
		assertThat(pairingEvents.get(0).path("actor").asString()).startsWith("engine:");
		assertThat(pairingEvents.get(0).path("id").asLong()).isGreaterThan(pairingEvents.get(1).path("id").asLong());

		assertThat(actions(events("subjectId=" + deviceId))).containsExactly("device.paired");
		assertThat(actions(events("subjectId=" + denied))).containsExactly("pairing.denied", "pairing.created");
		assertThat(actions(events("subjectId=" + cancelled))).containsExactly("pairing.cancelled", "pairing.created");
		assertThat(actions(events("subjectId=" + model))).containsExactly("device_model.updated", "device_model.created");
		assertThat(actions(events("subjectId=" + keyId))).containsExactly("api_key.revoked", "api_key.created");
	}

	/** A key's name is chosen by whoever mints it; the id in front of it is not, so no key passes for another. */
	@Test
	void auditActorWhenAKeyIsNamedLikeTheBootstrapKeyThenTheTwoStillDiffer() {
		Api.Response minted = admin().post("/api/v1/api-keys", "{\"name\": \"bootstrap-admin\", \"role\": \"ADMIN\"}");
		assertThat(minted.status()).isEqualTo(201);
		String lookalikesModel = "m-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(this.api.as(minted.json().path("key").asString())
			.put("/api/v1/device-models/" + lookalikesModel, "{\"clientSecret\": \"s\"}")
			.status()).isEqualTo(201);
		String bootstrapsModel = newModel();

		String byLookalike = events("subjectId=" + lookalikesModel).get(0).path("actor").asString();
		String byBootstrap = events("subjectId=" + bootstrapsModel).get(0).path("actor").asString();
		assertThat(byLookalike).isEqualTo("admin:" + minted.json().path("id").asString() + ":bootstrap-admin");
		assertThat(byBootstrap).isEqualTo("admin:00000000-0000-0000-0000-000000000000:bootstrap-admin");
	}

	@Test
	void auditWhenFilteredByActionAndTimeAndPagedThenPagesJoinUp() {
		String model = newModel();
		String station = newKey("STATION");
		Instant before = this.clock.instant();
		this.clock.advance(Duration.ofMillis(5));
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			ids.add(startPairing(station, newDeviceId(), model, null).path("id").asString());
		}

		List<JsonNode> all = events("action=pairing.created&after=" + before);
		assertThat(all).extracting((event) -> event.path("subjectId").asString()).containsExactlyElementsOf(reversed(ids));

		List<String> paged = new ArrayList<>();
		String cursor = "";
		int pages = 0;
		do {
			JsonNode page = admin().get("/api/v1/audit-events?action=pairing.created&limit=2&after=" + before + cursor).json();
			page.path("items").forEach((event) -> paged.add(event.path("subjectId").asString()));
			cursor = page.path("nextCursor").isNull() ? null : "&cursor=" + page.path("nextCursor").asString();
			pages++;
		}
		while (cursor != null);
		assertThat(paged).containsExactlyElementsOf(reversed(ids));
		assertThat(pages).isEqualTo(3);
	}

	@Test
	void auditWhenQueryBreaksRulesOrCallerIsNotAdminThenRefused() {
		assertThat(admin().get("/api/v1/audit-events?limit=0").code()).isEqualTo("validation_failed");
		assertThat(admin().get("/api/v1/audit-events?limit=501").code()).isEqualTo("validation_failed");
		assertThat(admin().get("/api/v1/audit-events?after=yesterday").code()).isEqualTo("validation_failed");
		assertThat(admin().get("/api/v1/audit-events?cursor=nonsense").code()).isEqualTo("validation_failed");
		assertThat(this.api.as(newKey("STATION")).get("/api/v1/audit-events").status()).isEqualTo(403);
		assertThat(this.api.get("/api/v1/audit-events").status()).isEqualTo(401);
		JsonNode page = admin().get("/api/v1/audit-events?limit=1").json();
		assertThat(page.has("nextCursor")).isTrue();
		assertThat(page.path("items").get(0).propertyNames()).containsExactly("id", "at", "actor", "action", "subjectType",
				"subjectId", "detail");
	}

	@Test
	void authenticationWhenPresentedKeyRefusedThenAuditedWithoutTheKey() {
		String unknownKey = "c2cg_" + "A".repeat(22) + UUID.randomUUID().toString().replace("-", "").substring(0, 21);
		String path = "/api/v1/pairings/" + UUID.randomUUID();
		assertThat(this.api.as(unknownKey).get(path).status()).isEqualTo(401);

		Api.Response revokedKey = admin().post("/api/v1/api-keys",
				"{\"name\": \"revoked-" + UUID.randomUUID().toString().substring(0, 8) + "\", \"role\": \"STATION\"}");
		String revokedId = revokedKey.json().path("id").asString();
		assertThat(admin().delete("/api/v1/api-keys/" + revokedId).status()).isEqualTo(204);
		assertThat(this.api.as(revokedKey.json().path("key").asString()).get(path).status()).isEqualTo(401);

		assertThat(this.api.send("GET", path, null, null, Map.of("Authorization", "Basic dXNlcjpwYXNz")).status())
			.isEqualTo(401);
		assertThat(this.api.get(path).status()).isEqualTo(401);

		List<Map<String, Object>> rows = this.jdbc
			.sql("select actor, subject_id, detail from audit_event where action = 'auth.refused' and detail like ? order by id")
			.param("%path=" + path + " %")
			.query()
			.listOfRows();
		assertThat(rows).hasSize(3);
		assertThat(rows.get(0).get("subject_id")).asString().startsWith("sha256:");
		assertThat(rows.get(0).get("detail")).asString().contains("reason=unknown").doesNotContain(unknownKey);
		assertThat(rows.get(1).get("subject_id")).isEqualTo(revokedId);
		assertThat(rows.get(1).get("detail")).asString().contains("reason=revoked");
		assertThat(rows.get(2).get("detail")).asString().contains("reason=not_bearer").doesNotContain("dXNlcjpwYXNz");
		assertThat(rows).allSatisfy((row) -> assertThat(row.get("actor")).isEqualTo("anonymous"));
		assertThat(actions(events("action=auth.refused&limit=500"))).isNotEmpty();
	}

	@Test
	void authenticationWhenFloodOfBadKeysThenAuditWritesAreCapped() {
		String marker = "/api/v1/pairings/" + UUID.randomUUID();
		Api anonymous = this.api.as("not-a-key-at-all");
		int sent = 200;
		long started = System.nanoTime();
		for (int i = 0; i < sent; i++) {
			assertThat(anonymous.get(marker).status()).isEqualTo(401);
		}
		double seconds = (System.nanoTime() - started) / 1e9;
		long written = this.jdbc.sql("select count(*) from audit_event where action = 'auth.refused' and detail like ?")
			.param("%path=" + marker + " %")
			.query(Long.class)
			.single();
		// 20 at once, then 10 a second (the defaults); every refusal is still counted as a metric.
		assertThat(written).isBetween(1L, 20L + (long) Math.ceil(seconds * 10) + 1);
		assertThat(written).isLessThan(sent);
	}

	private List<JsonNode> events(String query) {
		Api.Response response = admin().get("/api/v1/audit-events?" + query);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		List<JsonNode> items = new ArrayList<>();
		response.json().path("items").forEach(items::add);
		return items;
	}

	private static List<String> actions(List<JsonNode> events) {
		return events.stream().map((event) -> event.path("action").asString()).toList();
	}

	private static List<String> reversed(List<String> list) {
		List<String> copy = new ArrayList<>(list);
		Collections.reverse(copy);
		return copy;
	}

}
