package io.c2cgateway.webhook;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.BenchmarkMachine;
import io.c2cgateway.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events per second delivered to a receiver on this host: {@code benchmark.events} events are
 * written to the outbox (1,000 per transaction), then the delivery worker (the test profile's
 * settings: 64 in flight, claims of up to 100) sends them, round after round, until every one is
 * DELIVERED. The receiver answers 204 after {@code benchmark.receiver-delay-ms}. Prints figures;
 * asserts only that everything was delivered. Left out of {@code ./mvnw verify}:
 *
 * <pre>
 * ./mvnw test -Dtest=WebhookDeliveryBenchmark -Dbenchmark=true -Dbenchmark.events=10000 -Dbenchmark.receiver-delay-ms=0
 * </pre>
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class WebhookDeliveryBenchmark extends IntegrationTest {

	@Autowired
	DeliveryWorker worker;

	@Autowired
	Outbox outbox;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void eventsPerSecondToALocalReceiver() throws Exception {
		int events = Integer.getInteger("benchmark.events", 10_000);
		int delayMillis = Integer.getInteger("benchmark.receiver-delay-ms", 0);
		String machine = BenchmarkMachine.describe();
		try (Receiver receiver = Receiver.start().delaying(Duration.ofMillis(delayMillis))) {
			Api.Response created = admin().post("/api/v1/webhooks",
					"{\"url\": \"" + receiver.url() + "\", \"events\": [\"device.revoked\"]}");
			assertThat(created.status()).isEqualTo(201);
			UUID endpoint = UUID.fromString(created.json().path("id").asString());
			TransactionTemplate tx = new TransactionTemplate(this.transactions);

			long writeStart = System.nanoTime();
			for (int written = 0; written < events; written += 1000) {
				int chunk = Math.min(1000, events - written);
				tx.executeWithoutResult((status) -> {
					for (int i = 0; i < chunk; i++) {
						// One subject per event: order per subject does not serialize them.
						this.outbox.publish("device.revoked", "device", "SN-bench-" + UUID.randomUUID(),
								this.clock.instant());
					}
				});
			}
			double writeSeconds = (System.nanoTime() - writeStart) / 1e9;

			long start = System.nanoTime();
			long delivered = 0;
			long lastCheck = 0;
			long deadline = start + Duration.ofMinutes(10).toNanos();
			while (delivered < events && System.nanoTime() < deadline) {
				// Domain time follows real time, so an attempt that failed (a timeout on a busy machine) comes due again.
				if (this.clock.instant().isBefore(java.time.Instant.now())) {
					this.clock.set(java.time.Instant.now());
				}
				if (this.worker.runOnce() == 0) {
					Thread.sleep(2);
				}
				if (System.nanoTime() - lastCheck > 100_000_000L) {
					lastCheck = System.nanoTime();
					delivered = this.jdbc
						.sql("select count(*) from webhook_delivery where endpoint_id = ? and status = 'DELIVERED'")
						.param(endpoint)
						.query(Long.class)
						.single();
				}
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			long attempts = this.jdbc.sql("select coalesce(sum(attempts), 0) from webhook_delivery where endpoint_id = ?")
				.param(endpoint)
				.query(Long.class)
				.single();
			assertThat(delivered).isEqualTo(events);
			System.out.println("=== webhook delivery benchmark === " + machine);
			System.out.printf("outbox writes: %d events in %.2f s = %.0f events/s (1,000 per transaction)%n", events,
					writeSeconds, events / writeSeconds);
			System.out.printf("delivered: %d events in %.2f s = %.0f events/s; receiver delay %d ms; requests received %d; "
					+ "attempts %d%n", events, seconds, events / seconds, delayMillis, receiver.received().size(), attempts);
			admin().delete("/api/v1/webhooks/" + endpoint);
		}
	}

}
