package io.c2cgateway.webhook;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Webhooks end to end: the outbox in the transaction of the change, delivery by the worker (driven
 * by hand here, on the movable clock) to a real HTTP receiver on this host, signatures checked by an
 * independent verifier.
 */
class WebhookDeliveryTests extends IntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	DeliveryWorker worker;

	@Autowired
	Outbox outbox;

	@Autowired
	PlatformTransactionManager transactions;

	private final List<String> endpoints = new ArrayList<>();

	private final List<Receiver> receivers = new ArrayList<>();

	@AfterEach
	void removeEndpoints() {
		// Other test classes' events must not fan out to these endpoints.
		this.endpoints.forEach((id) -> admin().delete("/api/v1/webhooks/" + id));
		this.receivers.forEach(Receiver::close);
	}

	@Test
	void pairingAuthorizedIsDeliveredOnceSignedAfterTheCommit() throws Exception {
		Receiver receiver = receiver();
		JsonNode endpoint = subscribe(receiver.url(), "pairing.authorized");
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, null);
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		String pairingId = started.path("id").asString();
		assertThat(pairing(pairingId).path("status").asString()).isEqualTo("AUTHORIZED");

		deliverDue();
		deliverDue();

		List<Receiver.Received> got = receiver.received();
		assertThat(got).hasSize(1);
		JsonNode body = JSON.readTree(got.get(0).body());
		assertThat(body.path("type").asString()).isEqualTo("pairing.authorized");
		assertThat(body.path("data").path("id").asString()).isEqualTo(pairingId);
		assertThat(body.path("data").path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(body.path("data").path("deviceId").asString()).isEqualTo(deviceId);
		assertThat(body.path("data").has("deviceCode")).isFalse();
		assertThat(new StandardWebhooksVerifier(endpoint.path("secret").asString()).verifies(got.get(0).body(),
				got.get(0).headers(), this.clock.instant()))
			.isTrue();
		JsonNode delivery = deliveries(endpoint, null).path("items").get(0);
		assertThat(delivery.path("status").asString()).isEqualTo("DELIVERED");
		assertThat(delivery.path("eventType").asString()).isEqualTo("pairing.authorized");
		assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
		assertThat(delivery.path("lastStatusCode").asInt()).isEqualTo(204);
		assertThat(delivery.path("deliveredAt").isNull()).isFalse();
	}

	@Test
	void eventIsInvisibleUntilCommitAndNeverExistsAfterRollback() throws Exception {
		Receiver receiver = receiver();
		JsonNode endpoint = subscribe(receiver.url(), "pairing.cancelled");
		UUID endpointId = UUID.fromString(endpoint.path("id").asString());
		TransactionTemplate tx = new TransactionTemplate(this.transactions);
		String subject = UUID.randomUUID().toString();

		tx.executeWithoutResult((status) -> {
			this.outbox.publish("pairing.cancelled", "pairing", subject, this.clock.instant());
			// Another connection, as a worker on any replica would look: nothing yet.
			long seen = CompletableFuture.supplyAsync(() -> rows(endpointId)).join();
			assertThat(seen).isZero();
			status.setRollbackOnly();
		});
		assertThat(rows(endpointId)).as("rolled back with its change").isZero();

		tx.executeWithoutResult((status) -> this.outbox.publish("pairing.cancelled", "pairing", subject,
				this.clock.instant()));
		assertThat(rows(endpointId)).isEqualTo(1);
		assertThatThrownBy(() -> this.outbox.publish("pairing.cancelled", "pairing", subject, this.clock.instant()))
			.as("no event without the transaction of its change")
			.isInstanceOf(IllegalTransactionStateException.class);
		deliverDue();
		assertThat(receiver.received()).hasSize(1);
	}

	@Test
	void everyStateChangeOfTheContractBecomesItsEvent() throws Exception {
		Receiver receiver = receiver();
		subscribe(receiver.url(), "*");
		String model = newModel();
		String station = newKey("STATION");
		// Cancelled by its station.
		JsonNode cancelled = startPairing(station, newDeviceId(), model, null);
		assertThat(this.api.as(station).delete("/api/v1/pairings/" + cancelled.path("id").asString()).status())
			.isEqualTo(200);
		// Denied in Frame.io, seen by the engine.
		JsonNode denied = startPairing(station, newDeviceId(), model, null);
		assertThat(this.simulator.deny(denied.path("userCode").asString())).isTrue();
		// Authorized, then its refresh rejected (REAUTH_REQUIRED), then revoked.
		String deviceId = newDeviceId();
		JsonNode authorized = startPairing(station, deviceId, model, null);
		assertThat(this.simulator.approve(authorized.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		this.clock.advance(Duration.ofHours(9));
		this.simulator.inject(Fault.error("token_refresh", deviceId, "invalid_grant"));
		assertThat(admin().post("/api/v1/devices/" + deviceId + "/access-token", null).status()).isEqualTo(409);
		assertThat(admin().post("/api/v1/devices/" + deviceId + "/revoke", null).status()).isEqualTo(200);

		for (int i = 0; i < 4; i++) {
			deliverDue();
		}

		List<String> types = new ArrayList<>();
		for (Receiver.Received received : receiver.received()) {
			JsonNode body = JSON.readTree(received.body());
			String subject = body.path("data").has("deviceId") ? body.path("data").path("deviceId").asString() : "";
			types.add(body.path("type").asString() + " " + body.path("data").path("status").asString()
					+ body.path("data").path("state").asString() + " " + subject);
		}
		assertThat(types).containsExactlyInAnyOrder(
				"pairing.cancelled CANCELLED " + cancelled.path("deviceId").asString(),
				"pairing.denied DENIED " + denied.path("deviceId").asString(),
				"pairing.authorized AUTHORIZED " + deviceId, "device.reauth_required REAUTH_REQUIRED " + deviceId,
				"device.revoked REVOKED " + deviceId);
	}

	@Test
	void retryScheduleBacksOffWithJitterOnTheClockThenFailsAfter24HoursAndCanBeRetried() throws Exception {
		Receiver receiver = receiver().answering((n) -> 503);
		JsonNode endpoint = subscribe(receiver.url(), "device.revoked");
		String subject = "SN-" + UUID.randomUUID();
		publish("device.revoked", "device", subject);
		UUID delivery = UUID.fromString(deliveries(endpoint, null).path("items").get(0).path("id").asString());

		Instant first = this.clock.instant();
		deliverDue();
		assertThat(receiver.received()).hasSize(1);
		Duration wait = Duration.between(first, nextAttemptAt(delivery));
		// Base 5 s, less a random part of up to half of it.
		assertThat(wait).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(5));
		deliverDue();
		assertThat(receiver.received()).as("not due before its time").hasSize(1);

		this.clock.advance(wait);
		Instant second = this.clock.instant();
		deliverDue();
		assertThat(receiver.received()).hasSize(2);
		assertThat(Duration.between(second, nextAttemptAt(delivery))).isBetween(Duration.ofSeconds(5),
				Duration.ofSeconds(10));

		this.clock.advance(Duration.ofHours(23).plusMinutes(59));
		deliverDue();
		assertThat(receiver.received()).hasSize(3);
		assertThat(nextAttemptAt(delivery)).as("never past the end of the retry period")
			.isBeforeOrEqualTo(first.plus(Duration.ofHours(24)));
		this.clock.advance(Duration.ofMinutes(2));
		deliverDue();
		assertThat(receiver.received()).hasSize(4);
		String metrics = this.api.get("/actuator/prometheus").body();
		assertThat(metrics).contains("gateway_webhooks_deliveries_total{outcome=\"failed\"}",
				"gateway_webhooks_deliveries_total{outcome=\"retried\"}", "gateway_webhooks_attempts_total",
				"gateway_webhooks_lag_seconds");
		JsonNode failed = deliveries(endpoint, "FAILED").path("items");
		assertThat(failed).hasSize(1);
		assertThat(failed.get(0).path("attempts").asInt()).isEqualTo(4);
		assertThat(failed.get(0).path("lastStatusCode").asInt()).isEqualTo(503);
		assertThat(failed.get(0).path("lastError").asString()).isEqualTo("HTTP 503");
		assertThat(deliveries(endpoint, "PENDING").path("items")).isEmpty();
		this.clock.advance(Duration.ofHours(1));
		deliverDue();
		assertThat(receiver.received()).as("FAILED is final").hasSize(4);

		receiver.answering((n) -> 200);
		String retry = "/api/v1/webhooks/" + endpoint.path("id").asString() + "/deliveries/" + delivery + "/retry";
		assertThat(admin().post(retry, null).status()).isEqualTo(202);
		assertThat(admin().post(retry, null).code()).as("already pending again").isEqualTo("delivery_pending");
		deliverDue();
		assertThat(receiver.received()).hasSize(5);
		assertThat(deliveries(endpoint, "DELIVERED").path("items")).hasSize(1);
		assertThat(receiver.received().get(4).id()).as("the same message").isEqualTo(receiver.received().get(0).id());
		assertThat(this.jdbc.sql("select count(*) from audit_event where action = 'webhook.delivery_retried' and detail = ?")
			.param("deliveryId=" + delivery)
			.query(Long.class)
			.single()).isEqualTo(1);
	}

	@Test
	void eventsOfOneSubjectArriveInOrderWhileTheFirstIsRetriedAndOtherSubjectsGoOn() throws Exception {
		Receiver receiver = receiver().answering((n) -> (n == 0) ? 500 : 204);
		subscribe(receiver.url(), "*");
		String device = "SN-" + UUID.randomUUID();
		String other = "SN-" + UUID.randomUUID();
		publish("device.reauth_required", "device", device);
		publish("device.revoked", "device", device);

		deliverDue();
		assertThat(receiver.received()).as("only the first of the device; the second waits").hasSize(1);
		publish("device.revoked", "device", other);
		deliverDue();
		assertThat(receiver.received()).as("another device is not held up").hasSize(2);

		this.clock.advance(Duration.ofSeconds(5));
		deliverDue();
		deliverDue();
		List<String> order = new ArrayList<>();
		for (Receiver.Received received : receiver.received()) {
			order.add(type(received));
		}
		assertThat(order).containsExactly("device.reauth_required", "device.revoked", "device.reauth_required",
				"device.revoked");
		assertThat(receiver.received().get(2).id()).isEqualTo(receiver.received().get(0).id());
	}

	@Test
	void signaturesVerifyIndependentlyAndTheRotatedOutSecretKeepsSigningFor24Hours() throws Exception {
		Receiver receiver = receiver();
		JsonNode created = subscribe(receiver.url(), "device.revoked");
		String oldSecret = created.path("secret").asString();
		assertThat(oldSecret).matches("whsec_[A-Za-z0-9+/]{43}=");
		String endpointPath = "/api/v1/webhooks/" + created.path("id").asString();
		assertThat(admin().get(endpointPath).body()).doesNotContain(oldSecret).doesNotContain("secret");

		Api.Response rotated = admin().post(endpointPath + "/rotate-secret", null);
		assertThat(rotated.status()).isEqualTo(200);
		String newSecret = rotated.json().path("secret").asString();
		assertThat(newSecret).startsWith("whsec_").isNotEqualTo(oldSecret);
		publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		deliverDue();
		Receiver.Received during = receiver.received().get(0);
		assertThat(during.signature().split(" ")).hasSize(2).allMatch((s) -> s.startsWith("v1,"));
		assertThat(new StandardWebhooksVerifier(newSecret).verifies(during.body(), during.headers(), this.clock.instant()))
			.isTrue();
		assertThat(new StandardWebhooksVerifier(oldSecret).verifies(during.body(), during.headers(), this.clock.instant()))
			.isTrue();
		String tampered = during.body().replace("device.revoked", "device.revoked ");
		assertThat(new StandardWebhooksVerifier(newSecret).verifies(tampered, during.headers(), this.clock.instant()))
			.isFalse();
		assertThat(new StandardWebhooksVerifier(newSecret).verifies(during.body(), during.headers(),
				this.clock.instant().plus(Duration.ofMinutes(6))))
			.as("a replay outside the tolerance")
			.isFalse();

		this.clock.advance(Duration.ofHours(24).plusSeconds(1));
		publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		deliverDue();
		Receiver.Received after = receiver.received().get(1);
		assertThat(after.signature().split(" ")).hasSize(1);
		assertThat(new StandardWebhooksVerifier(newSecret).verifies(after.body(), after.headers(), this.clock.instant()))
			.isTrue();
		assertThat(new StandardWebhooksVerifier(oldSecret).verifies(after.body(), after.headers(), this.clock.instant()))
			.isFalse();
		assertThat(this.jdbc.sql("select count(*) from audit_event where subject_id = ? and action like 'webhook.%'")
			.param(created.path("id").asString())
			.query(Long.class)
			.single()).as("created and rotated").isEqualTo(2);
		assertThat(this.jdbc.sql("select secret_enc from webhook_endpoint where id = ?")
			.param(UUID.fromString(created.path("id").asString()))
			.query(String.class)
			.single()).as("sealed at rest").startsWith("v1.").doesNotContain(newSecret.substring(6));
	}

	@Test
	void receiverThatHangsTimesOutWhileNoThreadWaitsForIt() throws Exception {
		Receiver receiver = receiver().answering((n) -> Receiver.HANG);
		JsonNode endpoint = subscribe(receiver.url(), "device.revoked");
		int count = 40;
		for (int i = 0; i < count; i++) {
			publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		}
		long threadsBefore = gatewayThreads();

		this.worker.runOnce();
		awaitReceived(receiver, count);
		// Every delivery is waiting for its answer at once, and the round that sent them is over.
		assertThat(this.worker.inFlight()).isGreaterThanOrEqualTo(count);
		// The receiver's own server holds one thread per request; the gateway's side holds none per delivery.
		assertThat(gatewayThreads() - threadsBefore).isLessThan(8);

		assertThat(this.worker.awaitIdle(Duration.ofSeconds(10))).as("all timed out (5 s in tests)").isTrue();
		JsonNode pending = deliveries(endpoint, "PENDING").path("items");
		assertThat(pending).hasSize(count);
		assertThat(pending).allMatch((d) -> "timeout".equals(d.path("lastError").asString()));
		assertThat(pending).allMatch((d) -> d.path("lastStatusCode").isNull());
	}

	@Test
	void deliveriesArePagedNewestFirstAndFilteredByStatusAndBadInputIsRefused() throws Exception {
		Receiver receiver = receiver();
		JsonNode endpoint = subscribe(receiver.url(), "device.revoked");
		String path = "/api/v1/webhooks/" + endpoint.path("id").asString() + "/deliveries";
		for (int i = 0; i < 5; i++) {
			publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		}
		JsonNode first = admin().get(path + "?limit=2").json();
		assertThat(first.path("items")).hasSize(2);
		JsonNode second = admin().get(path + "?limit=2&cursor=" + first.path("nextCursor").asString()).json();
		JsonNode third = admin().get(path + "?limit=2&cursor=" + second.path("nextCursor").asString()).json();
		assertThat(third.path("items")).hasSize(1);
		assertThat(third.path("nextCursor").isNull()).isTrue();
		List<String> ids = new ArrayList<>();
		for (JsonNode page : List.of(first, second, third)) {
			page.path("items").forEach((item) -> ids.add(item.path("id").asString()));
		}
		assertThat(ids).doesNotHaveDuplicates().hasSize(5);
		assertThat(admin().get(path + "?status=DELIVERED").json().path("items")).isEmpty();
		assertThat(admin().get(path + "?status=PENDING").json().path("items")).hasSize(5);

		assertThat(admin().get(path + "?status=LOST").code()).isEqualTo("validation_failed");
		assertThat(admin().get(path + "?cursor=nonsense").code()).isEqualTo("validation_failed");
		assertThat(admin().get(path + "?limit=0").code()).isEqualTo("validation_failed");
		assertThat(admin().get("/api/v1/webhooks/" + UUID.randomUUID() + "/deliveries").status()).isEqualTo(404);
		assertThat(admin().get("/api/v1/webhooks/not-a-uuid").status()).isEqualTo(404);
		assertThat(admin().post(path + "/" + UUID.randomUUID() + "/retry", null).status()).isEqualTo(404);
		assertThat(admin().post("/api/v1/webhooks", "{\"events\": [\"*\"]}").code()).isEqualTo("validation_failed");
		assertThat(admin().post("/api/v1/webhooks", "{\"url\": \"" + receiver.url() + "\", \"events\": []}").code())
			.isEqualTo("validation_failed");
	}

	@Test
	void finishedDeliveriesAreDeletedAfterKeepFinishedAndPendingOnesNever() throws Exception {
		Receiver receiver = receiver().answering((n) -> (n == 0) ? 204 : 503);
		JsonNode endpoint = subscribe(receiver.url(), "device.revoked");
		publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		deliverDue();
		publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		deliverDue();
		assertThat(deliveries(endpoint, "DELIVERED").path("items")).hasSize(1);
		assertThat(deliveries(endpoint, "PENDING").path("items")).hasSize(1);

		this.clock.advance(Duration.ofDays(29));
		this.worker.pruneFinished();
		assertThat(deliveries(endpoint, "DELIVERED").path("items")).as("kept for 30 days").hasSize(1);
		this.clock.advance(Duration.ofDays(2));
		assertThat(this.worker.pruneFinished()).isPositive();
		assertThat(deliveries(endpoint, "DELIVERED").path("items")).isEmpty();
		assertThat(deliveries(endpoint, "PENDING").path("items")).as("still being retried: never pruned").hasSize(1);
	}

	@Test
	void sandboxReceiverRecordsWhatItGetsAndAnswersTheStatusAskedFor() throws Exception {
		String url = "http://127.0.0.1:" + this.port + "/sandbox/webhooks";
		JsonNode failing = subscribe(url + "?status=503", "device.revoked");
		publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		deliverDue();
		JsonNode delivery = deliveries(failing, null).path("items").get(0);
		assertThat(delivery.path("lastStatusCode").asInt()).isEqualTo(503);
		admin().delete("/api/v1/webhooks/" + failing.path("id").asString());

		JsonNode endpoint = subscribe(url, "device.revoked");
		publish("device.revoked", "device", "SN-" + UUID.randomUUID());
		deliverDue();
		assertThat(deliveries(endpoint, "DELIVERED").path("items")).hasSize(1);
		JsonNode received = this.api.get("/sandbox/webhooks").json().path("items");
		JsonNode last = received.get(received.size() - 1);
		assertThat(last.path("body").asString()).contains("\"type\":\"device.revoked\"");
		assertThat(last.path("answeredStatus").asInt()).isEqualTo(204);
		assertThat(received.get(received.size() - 2).path("answeredStatus").asInt()).isEqualTo(503);
		assertThat(new StandardWebhooksVerifier(endpoint.path("secret").asString()).verifies(last.path("body").asString(),
				java.util.Map.of("webhook-id", last.path("webhookId").asString(), "webhook-timestamp",
						last.path("webhookTimestamp").asString(), "webhook-signature",
						last.path("webhookSignature").asString()),
				this.clock.instant()))
			.isTrue();
	}

	// ---- helpers -------------------------------------------------------------------------------

	private Receiver receiver() throws Exception {
		Receiver receiver = Receiver.start();
		this.receivers.add(receiver);
		return receiver;
	}

	private JsonNode subscribe(String url, String event) {
		Api.Response response = admin().post("/api/v1/webhooks",
				"{\"url\": \"" + url + "\", \"events\": [\"" + event + "\"], \"description\": \"test\"}");
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		this.endpoints.add(response.json().path("id").asString());
		return response.json();
	}

	private void publish(String type, String subjectType, String subjectId) {
		new TransactionTemplate(this.transactions).executeWithoutResult(
				(status) -> this.outbox.publish(type, subjectType, subjectId, this.clock.instant()));
	}

	/** One round of the worker, and its answers written. */
	private void deliverDue() throws InterruptedException {
		this.worker.runOnce();
		assertThat(this.worker.awaitIdle(Duration.ofSeconds(10))).isTrue();
	}

	private JsonNode deliveries(JsonNode endpoint, String status) {
		Api.Response response = admin().get("/api/v1/webhooks/" + endpoint.path("id").asString() + "/deliveries"
				+ ((status != null) ? "?status=" + status : ""));
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return response.json();
	}

	private long rows(UUID endpointId) {
		return this.jdbc.sql("select count(*) from webhook_delivery where endpoint_id = ?")
			.param(endpointId)
			.query(Long.class)
			.single();
	}

	private Instant nextAttemptAt(UUID delivery) {
		return this.jdbc.sql("select next_attempt_at from webhook_delivery where id = ?")
			.param(delivery)
			.query(OffsetDateTime.class)
			.single()
			.toInstant();
	}

	private static String type(Receiver.Received received) {
		return JSON.readTree(received.body()).path("type").asString();
	}

	/** Live threads of this JVM but the test receivers'. */
	private static long gatewayThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> !thread.getName().startsWith(Receiver.THREAD_PREFIX))
			.count();
	}

	private static void awaitReceived(Receiver receiver, int count) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (receiver.received().size() < count && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(receiver.received()).hasSizeGreaterThanOrEqualTo(count);
	}

}
