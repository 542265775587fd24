package io.c2cgateway.polling;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.c2cgateway.C2cGatewayApplication;
import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What SIGTERM does to a replica: Boot closes the context, the engine stops claiming, waits for the
 * polls it has in flight, writes their outcomes and hands its pairings back. The replica is a second
 * gateway in this JVM on the shared database, with its engine running on its own as in production,
 * polling the first gateway's simulator.
 */
class GracefulShutdownTests extends IntegrationTest {

	@Test
	void closingAReplicaWritesItsInFlightPollAndHandsItsPairingBack() {
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		UUID id = UUID.fromString(startPairing(station, deviceId, newModel(), null).path("id").asString());
		String instance = "leaving-" + UUID.randomUUID().toString().substring(0, 8);
		// Slower than nothing, faster than the test profile's 3 s upstream timeout: the poll is in
		// flight when the replica is told to stop, and its answer still counts.
		this.simulator.inject(Fault.delay("token_poll", deviceId, Duration.ofMillis(800)));

		ConfigurableApplicationContext replica = startReplica(instance);
		try {
			await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(leaseOwner(id)).startsWith(instance + "~"));
			// The pairing's first poll is due one interval after its code was issued, in domain time.
			this.clock.advance(Duration.ofSeconds(5));
			await().atMost(Duration.ofSeconds(20)).until(() -> !pollsOf(deviceId).isEmpty());
			assertThat(row(id).get("last_poll_at")).as("the poll is still in flight").isNull();

			long closing = System.nanoTime();
			replica.close();
			Duration took = Duration.ofNanos(System.nanoTime() - closing);

			assertThat(took).as("SIGTERM to exit: the contract allows 30 s").isLessThan(Duration.ofSeconds(20));
			assertThat(pollsOf(deviceId)).hasSize(1);
			Map<String, Object> row = row(id);
			assertThat(row.get("last_poll_at")).as("the in-flight poll's outcome was written").isNotNull();
			assertThat((Integer) row.get("backoff_s")).as("a 503 backs off").isPositive();
			assertThat(row.get("lease_owner")).as("handed back").isNull();
			assertThat(row.get("status")).isEqualTo("PENDING");
			assertThat(this.jdbc.sql("select count(*) from gateway_instance where id like ?")
				.param(instance + "~%")
				.query(Long.class)
				.single()).as("the replica's lease is gone").isZero();
		}
		finally {
			replica.close();
			this.api.as(station).delete("/api/v1/pairings/" + id);
		}
	}

	/**
	 * A production-like replica: no sandbox of its own, the engine enabled. It shares this
	 * context's movable clock, so both agree on when a poll is due and the simulator judges the
	 * poll's timing by the same clock. Command-line arguments, because they outrank the profile
	 * files (which switch the engine off in tests).
	 */
	private ConfigurableApplicationContext startReplica(String instance) {
		List<String> args = new ArrayList<>();
		TestDatabase.properties().forEach((key, value) -> args.add("--" + key + "=" + value));
		args.add("--server.port=0");
		args.add("--gateway.polling.enabled=true");
		args.add("--gateway.instance-id=" + instance);
		args.add("--gateway.frameio.base-url=http://127.0.0.1:" + this.port);
		return new SpringApplicationBuilder(C2cGatewayApplication.class).profiles("test")
			.registerShutdownHook(false)
			.initializers((context) -> context.getBeanFactory().registerSingleton("sharedTestClock", this.clock))
			.run(args.toArray(new String[0]));
	}

	private String leaseOwner(UUID id) {
		return (String) row(id).get("lease_owner");
	}

	private Map<String, Object> row(UUID id) {
		return this.jdbc.sql("select status, lease_owner, last_poll_at, backoff_s, next_poll_at from pairing where id = ?")
			.param(id)
			.query()
			.singleRow();
	}

}
