package io.c2cgateway.device;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.EventStream;
import io.c2cgateway.support.SecondReplica;
import io.c2cgateway.system.SqlTime;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to a replica that is busy everywhere at once, against a slow Frame.io: its engine polls
 * pending pairings whose answers take 5 to 8.5 s, its revocation retry job has a batch of revocations in
 * flight (two upstream calls each, 8.5 s apiece), devices keep asking it for access tokens whose
 * refresh takes 8.5 s, and stations watch pairings over open event streams. The upstream timeout is
 * production's 10 s. Domain time runs at the speed of real time, so the load goes on while the
 * replica stops. Closing its context is what SIGTERM does; the contract allows 30 s to exit, the
 * gateway budgets 25 s. Nothing may be lost: every poll sent gets its outcome written, every
 * pairing is handed back, every refresh Frame.io made is stored, every revocation job is either
 * done or free for another replica at once.
 */
class ShutdownUnderLoadTests extends CustodyTest {

	private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(10);

	/** Close to the upstream timeout: the answer still counts. */
	private static final Duration HELD = Duration.ofMillis(8_500);

	private static final Duration BUDGET = Duration.ofSeconds(25);

	private static final int PENDING = 60;

	private static final int REVOKED = 8;

	private static final int TOKEN_CALLERS = 40;

	private static final Duration TOKEN_CALL_EVERY = Duration.ofMillis(750);

	private static final int STREAMS = 4;

	@Autowired
	private RevocationStore revocationJobs;

	@Test
	void replicaUnderLoadExitsWithinBudgetAndLosesNothing() throws Exception {
		// Only this test's work: no other test's pending pairings, no idle shared engine counted as live
		// (stopping the hand-driven engine hands its pairings back and ends its lease).
		this.engine.stop();
		this.jdbc.sql("update pairing set status = 'CANCELLED', completed_at = now(), next_poll_at = null, "
				+ "lease_owner = null where status = 'PENDING'").update();
		String model = newModel();
		String station = newKey("STATION");

		List<Paired> paired = pairAll(model, station, REVOKED + TOKEN_CALLERS);
		List<Paired> revoked = paired.subList(0, REVOKED);
		List<Paired> callers = paired.subList(REVOKED, paired.size());
		this.engine.stop();

		// Revocations whose first attempt failed: the replica's worker retries them, slowly answered.
		Map<String, String> revokedRefresh = new HashMap<>();
		String[] revokedIds = revoked.stream().map(Paired::deviceId).toArray(String[]::new);
		for (Paired device : revoked) {
			revokedRefresh.put(device.deviceId(), stored(device.deviceId(), "refresh_token").reveal());
			this.simulator.inject(Fault.status("revoke", device.deviceId(), 503, null));
			Api.Response response = admin().post("/api/v1/devices/" + device.deviceId() + "/revoke", null);
			assertThat(response.json().path("upstreamRevocation").asString()).isEqualTo("PENDING");
			this.simulator.inject(Fault.late("revoke", device.deviceId(), HELD));
			this.simulator.inject(Fault.late("revoke", device.deviceId(), HELD));
		}
		// Devices whose next access token needs a refresh, which Frame.io makes and answers slowly.
		Map<String, String> keys = new HashMap<>();
		for (Paired device : callers) {
			keys.put(device.deviceId(), deviceKey(device));
			this.jdbc.sql("update device set access_token_expires_at = ? where device_id = ?")
				.params(SqlTime.utc(this.clock.instant()), device.deviceId())
				.update();
			this.simulator.inject(Fault.late("token_refresh", device.deviceId(), HELD));
		}
		// Pending pairings nobody approves; Frame.io answers each poll after 5 to 8.5 s.
		List<UUID> pending = new ArrayList<>();
		Map<UUID, String> deviceOf = new HashMap<>();
		for (JsonNode pairing : startPairings(station, model, PENDING)) {
			UUID id = UUID.fromString(pairing.path("id").asString());
			String deviceId = pairing.path("deviceId").asString();
			pending.add(id);
			deviceOf.put(id, deviceId);
			Duration slow = Duration.ofMillis(5_000 + ThreadLocalRandom.current().nextLong(3_500));
			this.simulator.inject(new Fault("token_poll", deviceId, 400, Map.of("error", "authorization_pending"), null,
					slow, 50));
		}

		AtomicBoolean loadGoesOn = new AtomicBoolean(true);
		ExecutorService load = Executors.newCachedThreadPool();
		Map<String, Future<Api.Response>> tokenCalls = new ConcurrentHashMap<>();
		String instance = "loaded-" + UUID.randomUUID().toString().substring(0, 8);
		SecondReplica replica = null;
		List<EventStream> streams = new ArrayList<>();
		try {
			load.execute(() -> followRealTime(loadGoesOn));
			replica = SecondReplica.start(instance, this.port, this.clock,
					Map.of("gateway.polling.enabled", "true", "gateway.frameio.timeout", UPSTREAM_TIMEOUT.toSeconds() + "s",
							"gateway.tokens.keep-alive-enabled", "true", "gateway.tokens.keep-alive-every", "1s",
							"gateway.tokens.revocation-retry-enabled", "true", "gateway.tokens.revocation-retry-every",
							"1s"));
			Api atReplica = Api.at(replica.port());
			for (UUID id : pending.subList(0, STREAMS)) {
				EventStream stream = EventStream.open(replica.port(), station, "/api/v1/pairings/" + id + "/events");
				assertThat(stream.status()).isEqualTo(200);
				assertThat(stream.next(Duration.ofSeconds(5)).name()).isEqualTo("pairing");
				streams.add(stream);
			}
			load.execute(() -> {
				for (Paired device : callers) {
					if (!loadGoesOn.get()) {
						return;
					}
					tokenCalls.put(device.deviceId(), load.submit(() -> atReplica.as(keys.get(device.deviceId()))
						.post("/api/v1/devices/" + device.deviceId() + "/access-token", null)));
					sleep(TOKEN_CALL_EVERY);
				}
			});

			await("the revocation batch in flight", Duration.ofSeconds(30),
					() -> revoked.stream().allMatch((d) -> this.simulator.requestCount("revoke", d.deviceId()) >= 2));
			await("polls in flight", Duration.ofSeconds(30), () -> pollsInFlight(pending, deviceOf) >= PENDING / 2);
			await("access-token calls in flight", Duration.ofSeconds(30), () -> refreshesSeen(callers) >= 3);

			int pollsInFlight = pollsInFlight(pending, deviceOf);
			long callsInFlight = refreshesSeen(callers) - answered(tokenCalls);
			long closing = System.nanoTime();
			replica.close();
			Duration took = Duration.ofNanos(System.nanoTime() - closing);
			loadGoesOn.set(false);
			System.out.printf(
					"shutdown under load: %d ms (%d polls, %d revocations, %d access-token refreshes in flight, %d streams open)%n",
					took.toMillis(), pollsInFlight, REVOKED, callsInFlight, STREAMS);

			assertThat(took).as("SIGTERM to exit: the gateway's budget is %s, the contract allows 30 s", BUDGET)
				.isLessThan(BUDGET);

			// Every poll Frame.io received has its outcome written; every pairing is free for another replica.
			for (UUID id : pending) {
				PendingRow row = this.jdbc.sql("select status, lease_owner, last_poll_at from pairing where id = ?")
					.param(id)
					.query((rs, n) -> new PendingRow(rs.getString("status"), rs.getString("lease_owner"),
							rs.getObject("last_poll_at", OffsetDateTime.class)))
					.single();
				assertThat(row.status()).isEqualTo("PENDING");
				assertThat(row.leaseOwner()).as("pairing %s handed back", id).isNull();
				Instant lastSent = lastPollSent(deviceOf.get(id));
				if (lastSent != null) {
					assertThat(row.lastPollAt()).as("outcome of the last poll of %s", id).isNotNull();
					assertThat(row.lastPollAt().toInstant())
						.as("outcome of the last poll of %s written", id)
						.isAfterOrEqualTo(lastSent);
				}
			}
			assertThat(this.jdbc.sql("select count(*) from gateway_instance where id like ?")
				.param(instance + "~%")
				.query(Long.class)
				.single()).as("the replica's lease is gone").isZero();

			// Every refresh Frame.io made is stored: the device goes on with the token it holds.
			for (Paired device : callers) {
				assertThat(state(device.deviceId())).isEqualTo("PAIRED");
				assertThat(this.simulator.refreshTokenValid(stored(device.deviceId(), "refresh_token").reveal()))
					.as("stored refresh token of %s valid at Frame.io", device.deviceId())
					.isTrue();
				Future<Api.Response> call = tokenCalls.get(device.deviceId());
				if (refreshes(device.deviceId()) > 0 && call != null) {
					Api.Response response = call.get(5, TimeUnit.SECONDS);
					assertThat(response.status()).as("an access-token call the replica took on").isEqualTo(200);
				}
			}

			// Revocation jobs: what Frame.io confirmed is recorded; the job is done or free at once.
			for (Paired device : revoked) {
				Map<String, Object> job = this.jdbc
					.sql("select refresh_token_enc, lease_owner from device_revocation where device_id = ?")
					.param(device.deviceId())
					.query()
					.singleRow();
				assertThat(job.get("lease_owner")).as("revocation of %s handed back", device.deviceId()).isNull();
				assertThat(job.get("refresh_token_enc")).as("the confirmed revocation recorded").isNull();
				assertThat(this.simulator.refreshTokenValid(revokedRefresh.get(device.deviceId()))).isFalse();
			}
			long open = this.jdbc
				.sql("select count(*) from device_revocation where device_id = any(?) and done_at is null")
				.param(revokedIds)
				.query(Long.class)
				.single();
			List<RevocationStore.RevocationRow> claimed = this.revocationJobs
				.claimDueRevocations("another-replica", Duration.ofSeconds(30), this.clock.instant(), 1000);
			this.jdbc.sql("update device_revocation set lease_owner = null, lease_until = null "
					+ "where lease_owner = 'another-replica'").update();
			assertThat(claimed.stream().filter((job) -> revokedRefresh.containsKey(job.deviceId())))
				.as("every unfinished revocation can be claimed by another replica at once")
				.hasSize((int) open);

			for (EventStream stream : streams) {
				stream.awaitEndAfterAnyEvents(Duration.ofSeconds(5));
			}
		}
		finally {
			loadGoesOn.set(false);
			if (replica != null) {
				replica.close();
			}
			streams.forEach(EventStream::close);
			load.shutdownNow();
			// Later tests drive the shared engine and revocation rounds: leave them none of this slow work.
			this.jdbc.sql("update pairing set status = 'CANCELLED', completed_at = now(), next_poll_at = null, "
					+ "lease_owner = null where status = 'PENDING' and id = any(?)")
				.param(pending.toArray(new UUID[0]))
				.update();
			this.jdbc.sql("update device_revocation set done_at = now(), lease_owner = null, lease_until = null "
					+ "where done_at is null and device_id = any(?)")
				.param(revokedIds)
				.update();
		}
	}

	private record PendingRow(String status, String leaseOwner, OffsetDateTime lastPollAt) {
	}

	/** Pairs {@code count} devices through the API at once: started, approved, one poll round. */
	private List<Paired> pairAll(String model, String station, int count) {
		List<JsonNode> started = startPairings(station, model, count);
		started.forEach((pairing) -> assertThat(this.simulator.approve(pairing.path("userCode").asString())).isTrue());
		advanceAndPoll(Duration.ofSeconds(5));
		List<Paired> paired = new ArrayList<>();
		for (JsonNode pairing : started) {
			String pairingId = pairing.path("id").asString();
			assertThat(pairing(pairingId).path("status").asString()).isEqualTo("AUTHORIZED");
			paired.add(new Paired(pairing.path("deviceId").asString(), pairingId, model, station));
		}
		return paired;
	}

	/** Starts {@code count} pairings of new devices in one batch request; returns the pairings. */
	private List<JsonNode> startPairings(String station, String model, int count) {
		List<String> items = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			items.add("{\"deviceId\": \"" + newDeviceId() + "\", \"model\": \"" + model
					+ "\", \"clientVersion\": \"2.1.0\"}");
		}
		Api.Response response = this.api.as(station)
			.post("/api/v1/pairings/batch", "{\"items\": [" + String.join(",", items) + "]}");
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		List<JsonNode> pairings = new ArrayList<>();
		for (JsonNode result : response.json().path("results")) {
			assertThat(result.path("status").asInt()).as(result.toString()).isEqualTo(201);
			pairings.add(result.path("pairing"));
		}
		return pairings;
	}

	/** Moves the shared domain clock on with real time, in whole milliseconds as it ticks, until told to stop. */
	private void followRealTime(AtomicBoolean goesOn) {
		long moved = 0;
		long since = System.nanoTime();
		while (goesOn.get()) {
			sleep(Duration.ofMillis(20));
			long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
			this.clock.advance(Duration.ofMillis(elapsed - moved));
			moved = elapsed;
		}
	}

	/** Pairings whose last poll Frame.io received has no outcome written yet. */
	private int pollsInFlight(List<UUID> pending, Map<UUID, String> deviceOf) {
		int inFlight = 0;
		for (UUID id : pending) {
			Instant lastSent = lastPollSent(deviceOf.get(id));
			if (lastSent == null) {
				continue;
			}
			OffsetDateTime written = this.jdbc.sql("select last_poll_at from pairing where id = ?")
				.param(id)
				.query(OffsetDateTime.class)
				.optional()
				.orElse(null);
			if (written == null || written.toInstant().isBefore(lastSent)) {
				inFlight++;
			}
		}
		return inFlight;
	}

	private Instant lastPollSent(String deviceId) {
		return pollsOf(deviceId).stream().map(FrameioSimulator.Request::at).max(Instant::compareTo).orElse(null);
	}

	private long refreshesSeen(List<Paired> devices) {
		return devices.stream().filter((device) -> refreshes(device.deviceId()) > 0).count();
	}

	private static long answered(Map<String, Future<Api.Response>> calls) {
		return calls.values().stream().filter(Future::isDone).count();
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
