package io.c2cgateway.idempotency;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.crypto.SealedColumn;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class IdempotencyTests extends IntegrationTest {

	@Autowired
	private DataSource dataSource;

	@Autowired
	private List<SealedColumn> sealedColumns;

	@Autowired
	private SecretBox box;

	@Test
	void postWhenSameKeyAndBodyAgainThenFirstResponseReplayedWithoutRunningAgain() {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		String key = UUID.randomUUID().toString();

		Api.Response first = post(station, "/api/v1/pairings", pairingBody(deviceId, model), key);
		Api.Response again = post(station, "/api/v1/pairings", pairingBody(deviceId, model), key);

		assertThat(first.status()).isEqualTo(201);
		assertThat(again.status()).isEqualTo(201);
		assertThat(again.body()).isEqualTo(first.body());
		assertThat(again.contentType()).isEqualTo(first.contentType());
		assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
		assertThat(first.header("Idempotent-Replayed")).isNull();
		assertThat(deviceCodeRequests(deviceId)).isEqualTo(1);
	}

	@Test
	void postWhenSameKeyWithOtherBodyOrOtherPathThenKeyReused() {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		String key = UUID.randomUUID().toString();
		assertThat(post(station, "/api/v1/pairings", pairingBody(deviceId, model), key).status()).isEqualTo(201);

		Api.Response otherBody = post(station, "/api/v1/pairings", pairingBody(newDeviceId(), model), key);
		assertThat(otherBody.status()).isEqualTo(422);
		assertThat(otherBody.code()).isEqualTo("idempotency_key_reused");
		assertThat(otherBody.contentType()).startsWith("application/problem+json");

		Api.Response otherPath = post(station, "/api/v1/pairings/batch", pairingBody(deviceId, model), key);
		assertThat(otherPath.status()).isEqualTo(422);
		assertThat(otherPath.code()).isEqualTo("idempotency_key_reused");
	}

	@Test
	void postWhenKeyIsMalformedThenRefusedAndNothingStarts() {
		String model = newModel();
		String station = newKey("STATION");
		for (String path : new String[] { "/api/v1/pairings", "/api/v1/pairings/batch" }) {
			// Not "café": the JDK client sends it as "caf?", which is a well-formed key.
			for (String key : new String[] { "", "k".repeat(256), "a\tb" }) {
				String deviceId = newDeviceId();
				String body = path.endsWith("/batch") ? "{\"items\": [" + pairingBody(deviceId, model) + "]}"
						: pairingBody(deviceId, model);
				Api.Response answer = post(station, path, body, key);
				assertThat(answer.status()).as("%s with key [%s]: %s", path, key, answer.body()).isEqualTo(400);
				assertThat(answer.code()).isEqualTo("validation_failed");
				assertThat(deviceCodeRequests(deviceId)).as("started despite the refusal").isZero();
			}
		}
	}

	@Test
	void postWhenSameKeyFromAnotherCallerThenItIsTheirOwnKey() {
		String model = newModel();
		String deviceId = newDeviceId();
		String key = UUID.randomUUID().toString();
		assertThat(post(newKey("STATION"), "/api/v1/pairings", pairingBody(deviceId, model), key).status())
			.isEqualTo(201);

		// Not a replay of the other station's 201: it runs, and meets that station's pending pairing.
		Api.Response other = post(newKey("STATION"), "/api/v1/pairings", pairingBody(deviceId, model), key);
		assertThat(other.status()).isEqualTo(409);
		assertThat(other.code()).isEqualTo("pairing_conflict");
	}

	@Test
	void postWhenFirstRequestStillRunningThenSecondGetsInProgressAndFirstCompletes() throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		String key = UUID.randomUUID().toString();
		String body = pairingBody(deviceId, model);
		CompletableFuture<Api.Response> first;
		try (Connection blocker = this.dataSource.getConnection()) {
			// An uncommitted pending pairing of the same device: the first request's insert waits on it,
			// so the first request is held in flight for as long as this transaction stays open.
			blocker.setAutoCommit(false);
			try (PreparedStatement insert = blocker.prepareStatement("""
					insert into pairing (id, device_id, model, client_version, url_pairing, status, codes_issued, interval_s,
					    expires_at, created_at, updated_at, created_by, created_by_key_id, version)
					values (gen_random_uuid(), ?, ?, '1.0.0', false, 'PENDING', 1, 5, now(), now(), now(), 'blocker',
					    gen_random_uuid(), 1)
					""")) {
				insert.setString(1, deviceId);
				insert.setString(2, model);
				insert.executeUpdate();
			}
			first = CompletableFuture.supplyAsync(() -> post(station, "/api/v1/pairings", body, key));
			// Its claim is taken before it calls Frame.io, so once Frame.io saw it, the key is in use.
			await().atMost(Duration.ofSeconds(20)).until(() -> deviceCodeRequests(deviceId) == 1);

			Api.Response second = post(station, "/api/v1/pairings", body, key);
			assertThat(second.status()).isEqualTo(409);
			assertThat(second.code()).isEqualTo("idempotency_request_in_progress");
			assertThat(first).isNotDone();
			blocker.rollback();
		}
		Api.Response firstResponse = first.get(30, TimeUnit.SECONDS);
		assertThat(firstResponse.status()).as(firstResponse.body()).isEqualTo(201);

		Api.Response third = post(station, "/api/v1/pairings", body, key);
		assertThat(third.status()).isEqualTo(201);
		assertThat(third.body()).isEqualTo(firstResponse.body());
		assertThat(deviceCodeRequests(deviceId)).isEqualTo(1);
	}

	@Test
	void postWhenFirstAnswerWas5xxThenNothingStoredAndRetryRunsAnew() {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		String key = UUID.randomUUID().toString();
		this.simulator.inject(Fault.status("device_code", deviceId, 503, null));

		Api.Response failed = post(station, "/api/v1/pairings", pairingBody(deviceId, model), key);
		assertThat(failed.status()).isEqualTo(504);
		Api.Response retried = post(station, "/api/v1/pairings", pairingBody(deviceId, model), key);
		assertThat(retried.status()).isEqualTo(201);
		assertThat(retried.header("Idempotent-Replayed")).isNull();
		assertThat(deviceCodeRequests(deviceId)).isEqualTo(2);
	}

	@Test
	void postWhenFirstAnswerWas4xxThenItIsReplayedEvenAfterTheCauseIsGone() {
		String station = newKey("STATION");
		String model = "late-" + UUID.randomUUID().toString().substring(0, 8);
		String body = pairingBody(newDeviceId(), model);
		String key = UUID.randomUUID().toString();
		Api.Response first = post(station, "/api/v1/pairings", body, key);
		assertThat(first.status()).isEqualTo(422);
		assertThat(first.code()).isEqualTo("unknown_model");
		assertThat(admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"s3cret-of-" + model + "\"}").status())
			.isEqualTo(201);

		Api.Response replayed = post(station, "/api/v1/pairings", body, key);
		assertThat(replayed.status()).isEqualTo(422);
		assertThat(replayed.body()).isEqualTo(first.body());
		assertThat(post(station, "/api/v1/pairings", body, UUID.randomUUID().toString()).status()).isEqualTo(201);
	}

	@Test
	void postWhenKeyOutsideFormatThenValidationFailedNamingTheHeader() {
		String station = newKey("STATION");
		for (String bad : new String[] { "x".repeat(256), "" }) {
			Api.Response response = post(station, "/api/v1/pairings", pairingBody(newDeviceId(), "any"), bad);
			assertThat(response.status()).as("key of length %d", bad.length()).isEqualTo(400);
			assertThat(response.code()).isEqualTo("validation_failed");
			assertThat(response.json().path("errors").get(0).path("field").asString()).isEqualTo("Idempotency-Key");
		}
		assertThat(post(station, "/api/v1/pairings", pairingBody(newDeviceId(), "no-such-model"), "x".repeat(255))
			.code()).isEqualTo("unknown_model");
	}

	@Test
	void postWhenResponseHoldsASecretThenReplayShowsItButTheStoreKeepsItSealed() {
		String key = UUID.randomUUID().toString();
		String body = "{\"name\": \"idem-secret-" + key.substring(0, 8) + "\", \"role\": \"STATION\"}";
		Api.Response first = post(Api.BOOTSTRAP_KEY, "/api/v1/api-keys", body, key);
		Api.Response again = post(Api.BOOTSTRAP_KEY, "/api/v1/api-keys", body, key);

		assertThat(first.status()).isEqualTo(201);
		assertThat(again.body()).isEqualTo(first.body());
		String plaintext = first.json().path("key").asString();
		String stored = this.jdbc.sql("select body_enc from idempotency_key where idempotency_key = ?")
			.param(key)
			.query(String.class)
			.single();
		assertThat(stored).startsWith("v1.").doesNotContain(plaintext).doesNotContain("idem-secret");
		assertThat(admin().get("/api/v1/api-keys").json().path("items").findValuesAsString("name"))
			.filteredOn((name) -> name.equals("idem-secret-" + key.substring(0, 8)))
			.hasSize(1);
	}

	/**
	 * A stored answer that carries a shown-once secret (a new API key, a device key, an access
	 * token: every answer marked {@code Cache-Control: no-store}) is a copy of that secret; it is
	 * kept one hour at most, long enough for a station to retry, instead of the full day.
	 */
	@Test
	void postWhenTheAnswerCarriesAShownOnceSecretThenItIsKeptOneHourAtMost() {
		String secretKey = UUID.randomUUID().toString();
		Api.Response minted = post(Api.BOOTSTRAP_KEY, "/api/v1/api-keys",
				"{\"name\": \"idem-ttl-" + secretKey.substring(0, 8) + "\", \"role\": \"STATION\"}", secretKey);
		assertThat(minted.status()).isEqualTo(201);
		assertThat(minted.header("Cache-Control")).contains("no-store");
		String plainKey = UUID.randomUUID().toString();
		String station = newKey("STATION");
		assertThat(post(station, "/api/v1/pairings", pairingBody(newDeviceId(), newModel()), plainKey).status())
			.isEqualTo(201);

		assertThat(keptFor(secretKey)).isLessThanOrEqualTo(Duration.ofHours(1));
		assertThat(keptFor(plainKey)).isGreaterThan(Duration.ofHours(23));
		assertThat(post(Api.BOOTSTRAP_KEY, "/api/v1/api-keys",
				"{\"name\": \"idem-ttl-" + secretKey.substring(0, 8) + "\", \"role\": \"STATION\"}", secretKey)
			.body()).as("still replayed meanwhile").isEqualTo(minted.body());
	}

	/** Answers over the cap are not kept: a retry with the same key runs again (batch items are idempotent per device). */
	@Test
	void postWhenTheAnswerIsLargerThanTheCapThenItIsNotKeptAndARetryRunsAnew() {
		String station = newKey("STATION");
		StringBuilder items = new StringBuilder();
		for (int i = 0; i < 400; i++) {
			items.append((i > 0) ? "," : "").append("{\"deviceId\": \"SN-cap-").append(i).append("\", \"model\": \"no-such-model\"}");
		}
		String key = UUID.randomUUID().toString();
		Api.Response first = post(station, "/api/v1/pairings/batch", "{\"items\": [" + items + "]}", key);
		assertThat(first.status()).isEqualTo(200);
		assertThat(first.body().length()).as("over the 64 KiB cap").isGreaterThan(64 * 1024);
		assertThat(this.jdbc.sql("select count(*) from idempotency_key where idempotency_key = ?")
			.param(key)
			.query(Long.class)
			.single()).isZero();
		Api.Response again = post(station, "/api/v1/pairings/batch", "{\"items\": [" + items + "]}", key);
		assertThat(again.status()).isEqualTo(200);
		assertThat(again.header("Idempotent-Replayed")).isNull();
	}

	private Duration keptFor(String idempotencyKey) {
		return Duration.ofMillis(this.jdbc
			.sql("select (extract(epoch from expires_at - now()) * 1000)::bigint from idempotency_key where idempotency_key = ?")
			.param(idempotencyKey)
			.query(Long.class)
			.single());
	}

	@Test
	void postWhenStreamedBodyIsTooLargeThen413AndNothingStored() throws Exception {
		String key = UUID.randomUUID().toString();
		byte[] body = ("{\"deviceId\": \"" + "x".repeat(1024 * 1024 + 10) + "\"}").getBytes(StandardCharsets.UTF_8);
		// No Content-Length: the limit is only met while the body is read.
		HttpRequest request = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/v1/pairings"))
			.header("Authorization", "Bearer " + Api.BOOTSTRAP_KEY)
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
			.build();
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(request, HttpResponse.BodyHandlers.ofString());

		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.body()).contains("payload_too_large");
		assertThat(this.jdbc.sql("select count(*) from idempotency_key where idempotency_key = ?").param(key)
			.query(Long.class).single()).isZero();
	}

	@Test
	void storedAnswersAreDeclaredToKeyRotationUnderTheNameTheyAreSealedWith() {
		String key = UUID.randomUUID().toString();
		String body = "{\"name\": \"idem-rotation-" + key.substring(0, 8) + "\", \"role\": \"STATION\"}";
		Api.Response first = post(Api.BOOTSTRAP_KEY, "/api/v1/api-keys", body, key);
		SealedColumn declared = this.sealedColumns.stream()
			.filter((column) -> column.table().equals("idempotency_key"))
			.findFirst()
			.orElseThrow();
		assertThat(declared.column()).isEqualTo("body_enc");
		Map<String, Object> row = this.jdbc
			.sql("select " + declared.idColumn() + "::text as id, body_enc from idempotency_key where idempotency_key = ?")
			.param(key)
			.query()
			.singleRow();

		// Key rotation opens and re-seals with exactly these parts of the associated data.
		String opened = this.box.open((String) row.get("body_enc"), declared.table(), declared.name(), row.get("id")).reveal();
		assertThat(new String(Base64.getDecoder().decode(opened), StandardCharsets.UTF_8)).isEqualTo(first.body());
	}

	private Api.Response post(String apiKey, String path, String body, String idempotencyKey) {
		return this.api.as(apiKey)
			.send("POST", path, body, "application/json", Map.of("Idempotency-Key", idempotencyKey));
	}

	private long deviceCodeRequests(String deviceId) {
		return this.simulator.requests()
			.stream()
			.filter((request) -> "device_code".equals(request.endpoint()) && deviceId.equals(request.clientId()))
			.count();
	}

	private static String pairingBody(String deviceId, String model) {
		return "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}";
	}

}
