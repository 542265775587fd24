package io.c2cgateway.device;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Tokens Frame.io issued for a pairing that ended another way meanwhile must die at Frame.io. */
class DiscardedAuthorizationTests extends CustodyTest {

	@Autowired
	private Revocations revocations;

	@Test
	void tokensIssuedForAPairingCancelledWhileItsPollWasInFlightAreQueuedAndRevokedAtFrameio() throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, "\"clientVersion\": \"2.1.0\"");
		String pairingId = started.path("id").asString();
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		// Frame.io hands the tokens out at once; its answer is on the way while the pairing is cancelled.
		this.simulator.inject(Fault.late("token_poll", deviceId, Duration.ofSeconds(2)));
		this.clock.advance(Duration.ofSeconds(5));

		CompletableFuture<Integer> round = CompletableFuture.supplyAsync(this.engine::runOnce);
		await("the poll to reach Frame.io", Duration.ofSeconds(10), () -> pollsOf(deviceId).size() == 1);
		Api.Response cancelled = this.api.as(station).delete("/api/v1/pairings/" + pairingId);
		assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
		assertThat(round.isDone()).as("the poll's outcome was not written before the cancel").isFalse();
		round.get(30, TimeUnit.SECONDS);

		assertThat(pairing(pairingId).path("status").asString()).isEqualTo("CANCELLED");
		assertThat(this.jdbc.sql("select count(*) from device where device_id = ?").param(deviceId).query(Long.class).single())
			.as("the device was never paired")
			.isZero();
		UUID job = this.jdbc.sql("select id from device_revocation where device_id = ?")
			.param(deviceId)
			.query(UUID.class)
			.single();
		String refresh = this.box.open(this.jdbc.sql("select refresh_token_enc from device_revocation where id = ?")
			.param(job)
			.query(String.class)
			.single(), Revocations.TABLE, "refresh_token", job).reveal();
		String access = this.box.open(this.jdbc.sql("select access_token_enc from device_revocation where id = ?")
			.param(job)
			.query(String.class)
			.single(), Revocations.TABLE, "access_token", job).reveal();
		assertThat(this.simulator.refreshTokenValid(refresh)).as("the tokens Frame.io issued for the poll").isTrue();
		assertThat(this.simulator.accessTokenValid(access)).isTrue();

		JsonNode events = admin().get("/api/v1/audit-events?subjectId=" + pairingId + "&action=pairing.tokens_discarded")
			.json()
			.path("items");
		assertThat(events).hasSize(1);
		String detail = events.get(0).path("detail").asString();
		assertThat(detail).contains("deviceId=" + deviceId)
			.contains("revocationId=" + job)
			.contains("reason=")
			.doesNotContain(refresh)
			.doesNotContain(access);

		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", deviceId)).isEqualTo(2);
		assertThat(this.simulator.refreshTokenValid(refresh)).isFalse();
		assertThat(this.simulator.accessTokenValid(access)).isFalse();
		assertThat(this.jdbc.sql("select count(*) from device_revocation where id = ? and done_at is not null "
				+ "and refresh_token_enc is null and access_token_enc is null").param(job).query(Long.class).single())
			.as("done, and the tokens destroyed")
			.isEqualTo(1);
	}

}
