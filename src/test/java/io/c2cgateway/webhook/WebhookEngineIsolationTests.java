package io.c2cgateway.webhook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 events queued for a slow receiver (one second per answer) while the poll engine works
 * through 300 pending pairings: deliveries wait on the network without threads and on their own
 * permits, so every due pairing is still polled in its round, and the engine's terminal writes
 * still record their events. The round times are printed, with and without the webhook load; they
 * are figures to read, not asserted (the machine is shared).
 */
class WebhookEngineIsolationTests extends IntegrationTest {

	private static final int PAIRINGS = 300;

	private static final int EVENTS = 1000;

	@Autowired
	DeliveryWorker worker;

	@Autowired
	Outbox outbox;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void thousandEventsToASlowReceiverDoNotHoldUpThePollEngine() throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		List<String> userCodes = new ArrayList<>();
		List<String> ids = new ArrayList<>();
		for (int batch = 0; batch < PAIRINGS / 100; batch++) {
			StringBuilder items = new StringBuilder();
			for (int i = 0; i < 100; i++) {
				items.append((i > 0) ? "," : "").append("{\"deviceId\": \"").append(newDeviceId())
					.append("\", \"model\": \"").append(model).append("\"}");
			}
			Api.Response response = this.api.as(station).post("/api/v1/pairings/batch", "{\"items\": [" + items + "]}");
			assertThat(response.status()).as(response.body()).isEqualTo(200);
			for (JsonNode result : response.json().path("results")) {
				assertThat(result.path("status").asInt()).isEqualTo(201);
				userCodes.add(result.path("pairing").path("userCode").asString());
				ids.add(result.path("pairing").path("id").asString());
			}
		}
		long[] baseline = { round(), round() };

		try (Receiver receiver = Receiver.start().delaying(Duration.ofSeconds(1))) {
			Api.Response created = admin().post("/api/v1/webhooks",
					"{\"url\": \"" + receiver.url() + "\", \"events\": [\"*\"]}");
			assertThat(created.status()).isEqualTo(201);
			String endpoint = created.json().path("id").asString();
			new TransactionTemplate(this.transactions).executeWithoutResult((status) -> {
				for (int i = 0; i < EVENTS; i++) {
					this.outbox.publish("device.revoked", "device", "SN-load-" + UUID.randomUUID(), this.clock.instant());
				}
			});
			AtomicBoolean delivering = new AtomicBoolean(true);
			Thread background = new Thread(() -> {
				while (delivering.get()) {
					this.worker.runOnce();
					try {
						Thread.sleep(50);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "webhook-load");
			background.start();
			try {
				long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
				while (this.worker.inFlight() < 32 && System.nanoTime() < deadline) {
					Thread.sleep(10);
				}
				long inFlightBefore = this.worker.inFlight();
				long[] loaded = { round(), round() };

				for (String code : userCodes) {
					assertThat(this.simulator.deny(code)).isTrue();
				}
				long terminal = round();
				long inFlightAfter = this.worker.inFlight();
				assertThat(inFlightBefore).as("deliveries were waiting on the receiver during the rounds").isPositive();
				assertThat(inFlightAfter).isPositive();
				for (String id : List.of(ids.get(0), ids.get(PAIRINGS - 1))) {
					assertThat(pairing(id).path("status").asString()).isEqualTo("DENIED");
				}
				long denied = this.jdbc
					.sql("select count(*) from webhook_delivery where endpoint_id = ? and event_type = 'pairing.denied'")
					.param(UUID.fromString(endpoint))
					.query(Long.class)
					.single();
				assertThat(denied).as("one event per pairing the engine ended").isEqualTo(PAIRINGS);
				System.out.printf("webhook-isolation: %d pending pairings, one engine round: without webhooks %d / %d ms; "
						+ "with %d events queued for a receiver answering in 1 s (%d-%d in flight) %d / %d ms; "
						+ "round that ended all %d (DENIED, %d events written by the engine) %d ms; receiver got %d%n",
						PAIRINGS, baseline[0], baseline[1], EVENTS, inFlightBefore, inFlightAfter, loaded[0], loaded[1],
						PAIRINGS, denied, terminal, receiver.received().size());
			}
			finally {
				delivering.set(false);
				background.join(10_000);
				admin().delete("/api/v1/webhooks/" + endpoint);
				this.worker.awaitIdle(Duration.ofSeconds(10));
			}
		}
	}

	/** One engine round over every pairing due after 5 s; its duration in ms. Every pending one must be polled. */
	private long round() {
		long pollsBefore = this.simulator.requests().stream().filter((r) -> "token_poll".equals(r.endpoint())).count();
		this.clock.advance(Duration.ofSeconds(5));
		long start = System.nanoTime();
		this.engine.runOnce();
		long millis = (System.nanoTime() - start) / 1_000_000;
		long polls = this.simulator.requests().stream().filter((r) -> "token_poll".equals(r.endpoint())).count()
				- pollsBefore;
		assertThat(polls).as("every due pairing polled in the round").isGreaterThanOrEqualTo(PAIRINGS);
		return millis;
	}

}
