package io.c2cgateway.device;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceRevocationTests extends CustodyTest {

	@Autowired
	private Revocations revocations;

	@Test
	void revokeWhenFrameioAvailableThenKeyDeadTokensRevokedUpstreamAndDestroyed() throws Exception {
		Paired paired = pair();
		String key = deviceKey(paired);
		String access = accessToken(key, paired.deviceId()).json().path("accessToken").asString();
		String refresh = stored(paired.deviceId(), "refresh_token").reveal();

		Api.Response revoked = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null);
		assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
		JsonNode device = revoked.json();
		assertThat(device.path("state").asString()).isEqualTo("REVOKED");
		assertThat(device.path("upstreamRevocation").asString()).isEqualTo("DONE");
		assertThat(device.path("revokedAt").isNull()).isFalse();
		assertThat(device.path("accessTokenExpiresAt").isNull()).isTrue();
		assertThat(device.path("refreshTokenExpiresAt").isNull()).isTrue();

		assertThat(accessToken(key, paired.deviceId()).status()).isEqualTo(401);
		Api.Response byAdmin = accessToken(Api.BOOTSTRAP_KEY, paired.deviceId());
		assertThat(byAdmin.status()).isEqualTo(409);
		assertThat(byAdmin.code()).isEqualTo("device_revoked");
		assertThat(this.simulator.accessTokenValid(access)).isFalse();
		assertThat(this.simulator.refreshTokenValid(refresh)).isFalse();
		assertThat(refreshAtFrameio(paired.deviceId(), refresh)).as("Frame.io refuses a revoked refresh token").isEqualTo(401);
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).isEqualTo(2);
		assertTokensDestroyed(paired.deviceId());
		assertThat(auditCount(paired.deviceId(), "device.revoked")).isEqualTo(1);
		assertThat(auditCount(paired.deviceId(), "device.upstream_revoked")).isEqualTo(1);

		Api.Response again = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null);
		assertThat(again.status()).isEqualTo(200);
		assertThat(again.json()).isEqualTo(device);
		assertThat(auditCount(paired.deviceId(), "device.revoked")).isEqualTo(1);
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).isEqualTo(2);
	}

	@Test
	void revokeWhenFrameioDownThenPendingAndDoneOnceItRecovers() {
		Paired paired = pair();
		String key = deviceKey(paired);
		String refresh = stored(paired.deviceId(), "refresh_token").reveal();
		this.simulator.inject(Fault.status("revoke", paired.deviceId(), 503, null));

		Api.Response revoked = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null);
		assertThat(revoked.status()).isEqualTo(200);
		assertThat(revoked.json().path("state").asString()).isEqualTo("REVOKED");
		assertThat(revoked.json().path("upstreamRevocation").asString()).isEqualTo("PENDING");
		assertThat(accessToken(key, paired.deviceId()).status()).as("the key dies at once").isEqualTo(401);
		assertThat(this.simulator.refreshTokenValid(refresh)).isTrue();
		assertThat(admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).json())
			.isEqualTo(revoked.json());
		assertThat(this.jdbc.sql("select count(*) from device where device_id = ? and refresh_token_enc is null "
				+ "and access_token_enc is null").param(paired.deviceId()).query(Long.class).single())
			.as("the tokens left the device row").isEqualTo(1);

		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).as("not due before the backoff").isEqualTo(1);

		this.simulator.inject(Fault.status("revoke", paired.deviceId(), 503, null));
		this.clock.advance(Duration.ofSeconds(5));
		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).isEqualTo(2);
		assertThat(device(paired.deviceId()).path("upstreamRevocation").asString()).isEqualTo("PENDING");

		this.clock.advance(Duration.ofSeconds(9));
		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).as("backoff doubled to 10 s").isEqualTo(2);
		this.clock.advance(Duration.ofSeconds(1));
		this.revocations.runOnce();
		assertThat(device(paired.deviceId()).path("upstreamRevocation").asString()).isEqualTo("DONE");
		assertThat(this.simulator.refreshTokenValid(refresh)).isFalse();
		assertTokensDestroyed(paired.deviceId());
		assertThat(auditCount(paired.deviceId(), "device.upstream_revoked")).isEqualTo(1);
	}

	@Test
	void revokeWhileRefreshInFlightThenTheRefreshedTokensAreRevokedToo() throws Exception {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		this.simulator.inject(Fault.late("token_refresh", paired.deviceId(), Duration.ofMillis(500)));
		java.util.concurrent.CompletableFuture<Api.Response> caller = java.util.concurrent.CompletableFuture
			.supplyAsync(() -> accessToken(key, paired.deviceId()));
		await("the refresh to be under way", Duration.ofSeconds(10),
				() -> this.simulator.requestCount("token_refresh", paired.deviceId()) == 1);

		Api.Response revoked = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null);
		assertThat(revoked.json().path("state").asString()).isEqualTo("REVOKED");
		Api.Response response = caller.get();
		assertThat(response.status()).isIn(401, 409);
		assertThat(response.body()).doesNotContain("accessToken");

		// Frame.io rotated for the refresh that lost the race: those tokens must die too.
		assertThat(device(paired.deviceId()).path("upstreamRevocation").asString()).isEqualTo("PENDING");
		assertThat(auditCount(paired.deviceId(), "device.revocation_queued")).isEqualTo(1);
		this.revocations.runOnce();
		assertThat(device(paired.deviceId()).path("upstreamRevocation").asString()).isEqualTo("DONE");
		assertTokensDestroyed(paired.deviceId());
		assertThat(this.simulator.requestCount("revoke", paired.deviceId()))
			.as("the old pair at revoke time, then the pair the late refresh produced")
			.isEqualTo(4);
		assertThat(this.simulator.requests()
			.stream()
			.filter((request) -> "token_refresh".equals(request.endpoint()) && paired.deviceId().equals(request.clientId()))
			.count()).isEqualTo(1);
	}

	@Test
	void revokeBackoffDoublesUpToTheCap() {
		assertThat(this.revocations.backoff(0)).isEqualTo(Duration.ofSeconds(5));
		assertThat(this.revocations.backoff(1)).isEqualTo(Duration.ofSeconds(10));
		assertThat(this.revocations.backoff(3)).isEqualTo(Duration.ofSeconds(40));
		assertThat(this.revocations.backoff(40)).isEqualTo(Duration.ofHours(1));
	}

	@Test
	void revokeWhenDeviceUnknownThenNotFoundAndStationForbidden() {
		assertThat(admin().post("/api/v1/devices/" + newDeviceId() + "/revoke", null).status()).isEqualTo(404);
		Paired paired = pair();
		assertThat(this.api.as(paired.station()).post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).status())
			.isEqualTo(403);
		assertThat(this.api.as(deviceKey(paired)).post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).status())
			.isEqualTo(403);
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
	}

	private void assertTokensDestroyed(String deviceId) {
		assertThat(this.jdbc.sql("select count(*) from device where device_id = ? and (access_token_enc is not null "
				+ "or refresh_token_enc is not null)").param(deviceId).query(Long.class).single()).isZero();
		assertThat(this.jdbc.sql("select count(*) from device_revocation where device_id = ? and (done_at is null "
				+ "or access_token_enc is not null or refresh_token_enc is not null)")
			.param(deviceId)
			.query(Long.class)
			.single()).isZero();
	}

	/** A refresh straight at the simulated Frame.io, as a thief holding the secret would try it. */
	private int refreshAtFrameio(String deviceId, String refreshToken) throws Exception {
		String model = this.jdbc.sql("select model from device where device_id = ?").param(deviceId).query(String.class).single();
		String form = "grant_type=refresh_token&client_id=" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8)
				+ "&client_secret=secret-of-" + model + "&refresh_token=" + URLEncoder.encode(refreshToken, StandardCharsets.UTF_8);
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/v2/auth/token"))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form))
			.build();
		return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
	}

}
