package io.c2cgateway.webhook;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.GatewayProcess;
import io.c2cgateway.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * At least once across a replica killed mid-delivery: a gateway process (the production main
 * class, webhooks on) claims a delivery and sends it to a receiver that holds the request; the
 * process is killed with SIGKILL while the receiver still holds it. Once the dead replica's lease
 * has run out, another replica (this test's, driven by hand) sends the same message again.
 * <p>
 * A gateway JVM starts here (9 s on an idle 2-core machine, 20-30 s on a busy one), so the test is
 * left out of {@code ./mvnw verify} like the other process tests:
 *
 * <pre>
 * ./mvnw test -Dtest=WebhookReplicaKillTests -Dprocess-tests=true
 * </pre>
 */
@Tag("process")
@EnabledIfSystemProperty(named = "process-tests", matches = "true")
class WebhookReplicaKillTests extends IntegrationTest {

	@Autowired
	DeliveryWorker worker;

	@Autowired
	Outbox outbox;

	@Autowired
	PlatformTransactionManager transactions;

	@Autowired
	Environment environment;

	@Test
	void deliveryInFlightOnAKilledReplicaIsSentAgainByAnotherOnceItsLeaseRunsOut() throws Exception {
		try (Receiver receiver = Receiver.start().answering((n) -> (n == 0) ? Receiver.HANG : 204)) {
			Api.Response created = admin().post("/api/v1/webhooks",
					"{\"url\": \"" + receiver.url() + "\", \"events\": [\"device.revoked\"]}");
			assertThat(created.status()).isEqualTo(201);
			String endpoint = created.json().path("id").asString();
			// Real time: the process runs on the system clock.
			String subject = "SN-kill-" + UUID.randomUUID();
			new TransactionTemplate(this.transactions).executeWithoutResult(
					(status) -> this.outbox.publish("device.revoked", "device", subject, Instant.now()));
			String pod = "webhook-kill-" + UUID.randomUUID().toString().substring(0, 6);
			Map<String, String> env = new HashMap<>();
			env.put("GATEWAY_INSTANCE_ID", pod);
			env.put("GATEWAY_CRYPTO_KEYS", this.environment.getRequiredProperty("gateway.crypto.keys"));
			env.put("GATEWAY_POLLING_ENABLED", "false");
			env.put("GATEWAY_WEBHOOKS_ALLOW_HTTP", "true");
			env.put("GATEWAY_WEBHOOKS_ALLOW_PRIVATE", "true");
			// A short attempt, so a short lease (timeout + connect timeout + 5 s = 12 s).
			env.put("GATEWAY_WEBHOOKS_TIMEOUT", "5s");
			env.put("GATEWAY_WEBHOOKS_CONNECT_TIMEOUT", "2s");

			try (GatewayProcess process = GatewayProcess.start(env, Path.of("target", "webhook-kill", pod + ".log"))) {
				process.awaitReady(Duration.ofSeconds(90));
				await(() -> receiver.received().size() >= 1, Duration.ofSeconds(30));
				String owner = this.jdbc.sql("select lease_owner from webhook_delivery where endpoint_id = ?")
					.param(UUID.fromString(endpoint))
					.query(String.class)
					.single();
				assertThat(owner).as("claimed by the process").startsWith(pod);
				process.kill();
			}
			Instant killedAt = Instant.now();
			Instant leaseUntil = this.jdbc.sql("select lease_until from webhook_delivery where endpoint_id = ?")
				.param(UUID.fromString(endpoint))
				.query(OffsetDateTime.class)
				.single()
				.toInstant();

			// This replica tries all along; it gets the delivery only once the dead one's lease is over.
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (receiver.received().size() < 2 && System.nanoTime() < deadline) {
				if (this.clock.instant().isBefore(Instant.now())) {
					this.clock.set(Instant.now());
				}
				this.worker.runOnce();
				this.worker.awaitIdle(Duration.ofSeconds(10));
				Thread.sleep(200);
			}
			Instant resentAt = Instant.now();
			assertThat(receiver.received()).hasSize(2);
			assertThat(receiver.received().get(1).id()).as("the same message").isEqualTo(receiver.received().get(0).id());
			assertThat(resentAt).as("not while the dead replica's lease held").isAfterOrEqualTo(leaseUntil.minusMillis(500));
			var delivery = admin().get("/api/v1/webhooks/" + endpoint + "/deliveries").json().path("items").get(0);
			assertThat(delivery.path("status").asString()).isEqualTo("DELIVERED");
			assertThat(delivery.path("attempts").asInt()).isEqualTo(2);
			System.out.printf("webhook-kill: killed %s, lease until %s, sent again %s (%d ms after the kill)%n", killedAt,
					leaseUntil, resentAt, Duration.between(killedAt, resentAt).toMillis());
			admin().delete("/api/v1/webhooks/" + endpoint);
		}
	}

	private static void await(java.util.function.BooleanSupplier condition, Duration limit) throws InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition within " + limit).isLessThan(deadline);
			Thread.sleep(50);
		}
	}

}
