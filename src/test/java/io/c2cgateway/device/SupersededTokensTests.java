package io.c2cgateway.device;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** A later pairing of a device replaces its tokens; the replaced ones are revoked at Frame.io. */
class SupersededTokensTests extends CustodyTest {

	@Autowired
	private Revocations revocations;

	@Test
	void repairWhenDeviceIsPairedThenTheOldTokensAreRevokedAndTheDeviceStaysPaired() {
		Paired first = pair();
		String oldAccess = stored(first.deviceId(), "access_token").reveal();
		String oldRefresh = stored(first.deviceId(), "refresh_token").reveal();

		Paired second = pair(first.model(), first.station(), first.deviceId());
		String newRefresh = stored(first.deviceId(), "refresh_token").reveal();
		assertThat(newRefresh).isNotEqualTo(oldRefresh);
		assertThat(auditCount(first.deviceId(), "device.tokens_superseded")).isEqualTo(1);
		assertThat(auditDetail(first.deviceId(), "device.tokens_superseded")).contains("pairingId=" + first.pairingId())
			.doesNotContain(oldRefresh)
			.doesNotContain(oldAccess);
		JsonNode pending = device(first.deviceId());
		assertThat(pending.path("state").asString()).isEqualTo("PAIRED");
		assertThat(pending.path("upstreamRevocation").isNull()).as("about the device's own revocation only").isTrue();

		this.revocations.runOnce();
		assertThat(this.simulator.refreshTokenValid(oldRefresh)).isFalse();
		assertThat(this.simulator.accessTokenValid(oldAccess)).isFalse();
		assertThat(this.simulator.refreshTokenValid(newRefresh)).as("the new pairing's tokens live on").isTrue();
		assertThat(this.simulator.requestCount("revoke", first.deviceId())).isEqualTo(2);
		assertThat(this.simulator.requests()
			.stream()
			.filter((request) -> "revoke".equals(request.endpoint()) && first.deviceId().equals(request.clientId()))
			.map((request) -> request.clientVersion())
			.distinct()
			.toList()).as("sent with the old pairing's client version").containsExactly("2.1.0");
		JsonNode device = device(first.deviceId());
		assertThat(device.path("state").asString()).isEqualTo("PAIRED");
		assertThat(device.path("lastPairingId").asString()).isEqualTo(second.pairingId());
		assertThat(device.path("upstreamRevocation").isNull()).isTrue();
		assertThat(auditCount(first.deviceId(), "device.superseded_tokens_revoked")).isEqualTo(1);
		assertThat(auditCount(first.deviceId(), "device.upstream_revoked")).as("the device itself is not revoked").isZero();
		assertThat(accessToken(deviceKey(second), first.deviceId()).status()).isEqualTo(200);
	}

	@Test
	void repairWhenDeviceMustReauthorizeThenItsSpentRefreshTokenIsQueuedAndFrameiosRefusalEndsTheJobFailed() throws Exception {
		Paired first = pair();
		String oldRefresh = stored(first.deviceId(), "refresh_token").reveal();
		// Someone spent the refresh token behind the gateway's back: the next refresh is refused.
		assertThat(refreshAtFrameio(first.deviceId(), first.model(), oldRefresh)).isEqualTo(200);
		moveBelowMinValidity(first.deviceId());
		assertThat(accessToken(Api.BOOTSTRAP_KEY, first.deviceId()).code()).isEqualTo("reauthorization_required");

		pair(first.model(), first.station(), first.deviceId());
		assertThat(auditCount(first.deviceId(), "device.tokens_superseded")).isEqualTo(1);
		// The simulator accepts a spent token (RFC 7009); Frame.io may well refuse it.
		this.simulator.inject(Fault.error("revoke", first.deviceId(), "invalid_grant"));
		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", first.deviceId())).as("the refusal ends the job").isEqualTo(1);
		assertThat(auditCount(first.deviceId(), "device.superseded_revocation_failed")).isEqualTo(1);
		assertThat(auditDetail(first.deviceId(), "device.superseded_revocation_failed")).contains("error=invalid_grant");
		JsonNode device = device(first.deviceId());
		assertThat(device.path("state").asString()).isEqualTo("PAIRED");
		assertThat(device.path("upstreamRevocation").isNull()).isTrue();
		assertThat(device.path("upstreamRevocationError").isNull()).isTrue();
	}

	@Test
	void repairWhenDeviceWasRevokedThenNothingIsSuperseded() {
		Paired first = pair();
		admin().post("/api/v1/devices/" + first.deviceId() + "/revoke", null);
		long revokes = this.simulator.requestCount("revoke", first.deviceId());

		pair(first.model(), first.station(), first.deviceId());
		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", first.deviceId())).isEqualTo(revokes);
		assertThat(auditCount(first.deviceId(), "device.tokens_superseded")).isZero();
		assertThat(this.jdbc.sql("select count(*) from device_revocation where device_id = ?")
			.param(first.deviceId())
			.query(Long.class)
			.single()).as("the revocation's own job only").isEqualTo(1);
		assertThat(device(first.deviceId()).path("state").asString()).isEqualTo("PAIRED");
	}

	@Test
	void repairWhileARefreshOfTheOldTokensIsInFlightThenTheRefreshedTokensAreRevokedToo() throws Exception {
		Paired first = pair();
		String key = deviceKey(first);
		moveBelowMinValidity(first.deviceId());
		this.simulator.inject(Fault.late("token_refresh", first.deviceId(), Duration.ofMillis(2500)));
		CompletableFuture<Api.Response> caller = CompletableFuture.supplyAsync(() -> accessToken(key, first.deviceId()));
		await("the refresh to be under way", Duration.ofSeconds(10),
				() -> this.simulator.requestCount("token_refresh", first.deviceId()) == 1);

		Paired second = pair(first.model(), first.station(), first.deviceId());
		caller.get(30, TimeUnit.SECONDS);
		String current = stored(first.deviceId(), "refresh_token").reveal();

		// Frame.io rotated the replaced pairing's tokens: the pair that refresh brought back must die too.
		assertThat(auditCount(first.deviceId(), "device.tokens_superseded")).isEqualTo(2);
		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", first.deviceId()))
			.as("the replaced pair, then the pair its refresh produced")
			.isEqualTo(4);
		assertThat(auditCount(first.deviceId(), "device.superseded_tokens_revoked")).isEqualTo(2);
		assertThat(this.simulator.refreshTokenValid(current)).isTrue();
		JsonNode device = device(first.deviceId());
		assertThat(device.path("state").asString()).isEqualTo("PAIRED");
		assertThat(device.path("lastPairingId").asString()).isEqualTo(second.pairingId());
		assertThat(device.path("upstreamRevocation").isNull()).isTrue();
	}

	/** A refresh straight at the simulated Frame.io, with the model's secret. */
	private int refreshAtFrameio(String deviceId, String model, String refreshToken) throws Exception {
		String form = "grant_type=refresh_token&client_id=" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8)
				+ "&client_secret=secret-of-" + model + "&refresh_token="
				+ URLEncoder.encode(refreshToken, StandardCharsets.UTF_8);
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/v2/auth/token"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form))
			.build();
		return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
	}

}
