package io.c2cgateway.device;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Retrying a device's upstream revocation ends: refused by Frame.io (FAILED) or outlived by the tokens (EXPIRED). */
class RevocationOutcomeTests extends CustodyTest {

	@Autowired
	private Revocations revocations;

	@Test
	void revokeWhenFrameioRefusesWithInvalidGrantThenFailedWithItsErrorAndNoFurtherCalls() {
		Paired paired = pair();
		String key = deviceKey(paired);
		this.simulator.inject(Fault.error("revoke", paired.deviceId(), "invalid_grant"));

		Api.Response revoked = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null);
		assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
		JsonNode device = revoked.json();
		assertThat(device.path("state").asString()).isEqualTo("REVOKED");
		assertThat(device.path("upstreamRevocation").asString()).isEqualTo("FAILED");
		assertThat(device.path("upstreamRevocationError").asString()).isEqualTo("invalid_grant");
		assertThat(accessToken(key, paired.deviceId()).status()).isEqualTo(401);

		this.clock.advance(Duration.ofHours(2));
		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).as("no attempt after a refusal").isEqualTo(1);
		assertThat(device(paired.deviceId())).isEqualTo(device);
		assertThat(admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).json())
			.as("revoking again answers the same")
			.isEqualTo(device);
		assertThat(auditCount(paired.deviceId(), "device.upstream_revocation_failed")).isEqualTo(1);
		assertThat(auditDetail(paired.deviceId(), "device.upstream_revocation_failed")).contains("error=invalid_grant");
		assertThat(auditCount(paired.deviceId(), "device.upstream_revoked")).isZero();
		assertNoTokensKept(paired.deviceId());
	}

	@Test
	void revokeWhenFrameioRefusesInItsOwnEnvelopeThenFailedWithItsCode() {
		Paired paired = pair();
		this.simulator.inject(new Fault("revoke", paired.deviceId(), 401, Map.of("code", 401, "errors",
				List.of(Map.of("code", 401, "title", "Not Authorized")), "message", "Not Authorized"), null, null, 1));

		JsonNode device = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).json();
		assertThat(device.path("upstreamRevocation").asString()).isEqualTo("FAILED");
		assertThat(device.path("upstreamRevocationError").asString()).isEqualTo("not_authorized");
	}

	@Test
	void revokeWhenFrameioAnswers408Or429OrAnHtmlOrBare404ThenPendingAndRetried() {
		Paired paired = pair();
		String refresh = stored(paired.deviceId(), "refresh_token").reveal();
		this.simulator.inject(new Fault("revoke", paired.deviceId(), 408, Map.of("error", "request_timeout"), null, null, 1));

		JsonNode revoked = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).json();
		assertThat(revoked.path("upstreamRevocation").asString()).isEqualTo("PENDING");
		assertThat(revoked.path("upstreamRevocationError").isNull()).isTrue();

		this.simulator.inject(Fault.status("revoke", paired.deviceId(), 429, null));
		this.clock.advance(Duration.ofSeconds(5));
		this.revocations.runOnce();
		assertThat(device(paired.deviceId()).path("upstreamRevocation").asString()).isEqualTo("PENDING");

		this.simulator.inject(new Fault("revoke", paired.deviceId(), 404, "<html><body>Not Found</body></html>", null, null, 1));
		this.clock.advance(Duration.ofSeconds(10));
		this.revocations.runOnce();
		assertThat(device(paired.deviceId()).path("upstreamRevocation").asString())
			.as("a page from a proxy is not Frame.io's refusal")
			.isEqualTo("PENDING");

		this.simulator.inject(Fault.status("revoke", paired.deviceId(), 404, null));
		this.clock.advance(Duration.ofSeconds(20));
		this.revocations.runOnce();
		assertThat(device(paired.deviceId()).path("upstreamRevocation").asString()).isEqualTo("PENDING");
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).isEqualTo(4);

		this.clock.advance(Duration.ofSeconds(40));
		this.revocations.runOnce();
		JsonNode device = device(paired.deviceId());
		assertThat(device.path("upstreamRevocation").asString()).isEqualTo("DONE");
		assertThat(device.path("upstreamRevocationError").isNull()).isTrue();
		assertThat(this.simulator.refreshTokenValid(refresh)).isFalse();
		assertThat(auditCount(paired.deviceId(), "device.upstream_revoked")).isEqualTo(1);
	}

	@Test
	void revokeWhenTheRefreshTokensLifePassesWhileRetryingThenExpiredOnTimeWithoutAnotherCall() {
		Paired paired = pair();
		Instant refreshExpires = refreshExpiresAt(paired.deviceId());
		// Close to the end of the refresh token's life: the next attempt after backoff would come too late.
		this.clock.advance(Duration.between(this.clock.instant(), refreshExpires.minusSeconds(3)));
		this.simulator.inject(Fault.status("revoke", paired.deviceId(), 503, null));

		JsonNode revoked = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).json();
		assertThat(revoked.path("upstreamRevocation").asString()).isEqualTo("PENDING");
		assertThat(this.jdbc.sql("select next_attempt_at from device_revocation where device_id = ?")
			.param(paired.deviceId())
			.query(OffsetDateTime.class)
			.single()
			.toInstant()).as("scheduled at the end of the tokens' life, not after it").isEqualTo(refreshExpires);

		this.clock.advance(Duration.ofSeconds(3));
		this.revocations.runOnce();
		JsonNode device = device(paired.deviceId());
		assertThat(device.path("state").asString()).isEqualTo("REVOKED");
		assertThat(device.path("upstreamRevocation").asString()).isEqualTo("EXPIRED");
		assertThat(device.path("upstreamRevocationError").isNull()).isTrue();
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).as("nothing left to revoke").isEqualTo(1);
		assertThat(auditCount(paired.deviceId(), "device.upstream_revocation_expired")).isEqualTo(1);
		assertNoTokensKept(paired.deviceId());

		this.clock.advance(Duration.ofHours(2));
		this.revocations.runOnce();
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).isEqualTo(1);
		assertThat(admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).json()).isEqualTo(device);
	}

	@Test
	void revokeWhenTheRefreshTokensLifeHasPassedThenExpiredWithoutACall() {
		Paired paired = pair();
		moveBelowMinValidity(paired.deviceId());
		this.simulator.inject(Fault.error("token_refresh", paired.deviceId(), "invalid_grant"));
		assertThat(accessToken(Api.BOOTSTRAP_KEY, paired.deviceId()).code()).isEqualTo("reauthorization_required");
		this.clock.advance(Duration.ofDays(15));

		JsonNode device = admin().post("/api/v1/devices/" + paired.deviceId() + "/revoke", null).json();
		assertThat(device.path("state").asString()).isEqualTo("REVOKED");
		assertThat(device.path("upstreamRevocation").asString()).isEqualTo("EXPIRED");
		assertThat(this.simulator.requestCount("revoke", paired.deviceId())).isZero();
		assertNoTokensKept(paired.deviceId());
	}

	@Test
	void simulatorRefusesAnotherClientsOrAnExpiredRefreshTokenAndAcceptsASpentOrUnknownOne() throws Exception {
		Paired paired = pair();
		Paired other = pair();
		String refresh = stored(paired.deviceId(), "refresh_token").reveal();
		String otherRefresh = stored(other.deviceId(), "refresh_token").reveal();

		assertThat(revokeAtFrameio(paired, otherRefresh)).isEqualTo(400);
		assertThat(this.simulator.refreshTokenValid(otherRefresh)).isTrue();
		assertThat(revokeAtFrameio(paired, "never-issued")).isEqualTo(200);
		assertThat(refreshAtFrameio(paired, refresh)).isEqualTo(200);
		assertThat(revokeAtFrameio(paired, refresh)).as("spent by rotation").isEqualTo(200);

		this.clock.advance(Duration.ofDays(15));
		assertThat(revokeAtFrameio(other, otherRefresh)).as("past its life").isEqualTo(400);
	}

	/** A revocation straight at the simulated Frame.io; the status it answers. */
	private int revokeAtFrameio(Paired client, String token) throws Exception {
		return postAtFrameio("/v2/auth/revoke", "client_id=" + encode(client.deviceId()) + "&client_secret=secret-of-"
				+ client.model() + "&token=" + encode(token));
	}

	private int refreshAtFrameio(Paired client, String refreshToken) throws Exception {
		return postAtFrameio("/v2/auth/token", "grant_type=refresh_token&client_id=" + encode(client.deviceId())
				+ "&client_secret=secret-of-" + client.model() + "&refresh_token=" + encode(refreshToken));
	}

	private int postAtFrameio(String path, String form) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form))
			.build();
		return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	private Instant refreshExpiresAt(String deviceId) {
		return this.jdbc.sql("select refresh_token_expires_at from device where device_id = ?")
			.param(deviceId)
			.query(OffsetDateTime.class)
			.single()
			.toInstant();
	}

	/** A revocation that ended, however it ended, keeps no token: none is ever sent again. */
	private void assertNoTokensKept(String deviceId) {
		assertThat(this.jdbc.sql("select count(*) from device_revocation where device_id = ? and (done_at is null "
				+ "or access_token_enc is not null or refresh_token_enc is not null)")
			.param(deviceId)
			.query(Long.class)
			.single()).isZero();
	}

}
