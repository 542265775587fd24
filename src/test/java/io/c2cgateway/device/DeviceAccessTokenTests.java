package io.c2cgateway.device;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceAccessTokenTests extends CustodyTest {

	@Test
	void accessTokenWhenStoredOneHasMinValidityLeftThenServedWithoutRefresh() {
		Paired paired = pair();
		String key = deviceKey(paired);
		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JsonNode body = response.json();
		assertThat(body.propertyNames()).containsExactlyInAnyOrder("accessToken", "tokenType", "expiresAt");
		assertThat(body.path("tokenType").asString()).isEqualTo("bearer");
		assertThat(body.path("expiresAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
		assertThat(response.header("Cache-Control")).contains("no-store");
		String token = body.path("accessToken").asString();
		assertThat(this.simulator.accessTokenValid(token)).isTrue();

		moveToRemainingLife(paired.deviceId(), this.tokenProperties.minValidity());
		Api.Response again = accessToken(key, paired.deviceId());
		assertThat(again.json().path("accessToken").asString()).as("exactly min-validity left is enough").isEqualTo(token);
		assertThat(refreshes(paired.deviceId())).isZero();
	}

	@Test
	void accessTokenWhenBelowMinValidityThenRefreshedOnce() {
		Paired paired = pair();
		String key = deviceKey(paired);
		String before = accessToken(key, paired.deviceId()).json().path("accessToken").asString();
		Secret oldRefresh = stored(paired.deviceId(), "refresh_token");
		moveBelowMinValidity(paired.deviceId());

		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		String after = response.json().path("accessToken").asString();
		assertThat(after).isNotEqualTo(before);
		assertThat(Instant.parse(response.json().path("expiresAt").asString()))
			.isEqualTo(this.clock.instant().plus(Duration.ofHours(8)));
		assertThat(refreshes(paired.deviceId())).isEqualTo(1);
		FrameioSimulator.Request refresh = this.simulator.requests()
			.stream()
			.filter((request) -> "token_refresh".equals(request.endpoint()) && paired.deviceId().equals(request.clientId()))
			.findFirst()
			.orElseThrow();
		assertThat(refresh.clientVersion()).as("the device's own x-client-version").isEqualTo("2.1.0");
		assertThat(refresh.basicAuthUsed()).isFalse();

		// Rotation stored as one pair: the stored tokens are exactly the ones Frame.io now accepts.
		assertThat(stored(paired.deviceId(), "access_token").reveal()).isEqualTo(after);
		assertThat(this.simulator.refreshTokenValid(stored(paired.deviceId(), "refresh_token").reveal())).isTrue();
		assertThat(this.simulator.refreshTokenValid(oldRefresh.reveal())).isFalse();
		assertThat(this.simulator.accessTokenValid(before)).isFalse();
		JsonNode device = device(paired.deviceId());
		assertThat(Instant.parse(device.path("lastRefreshAt").asString())).isEqualTo(this.clock.instant());
		assertThat(Instant.parse(device.path("refreshTokenExpiresAt").asString()))
			.isEqualTo(this.clock.instant().plus(Duration.ofDays(14)));
		assertThat(auditCount(paired.deviceId(), "device.tokens_refreshed")).isEqualTo(1);

		Api.Response again = accessToken(key, paired.deviceId());
		assertThat(again.json().path("accessToken").asString()).isEqualTo(after);
		assertThat(refreshes(paired.deviceId())).isEqualTo(1);
	}

	@Test
	void accessTokenWhenFrameioRejectsRefreshThenReauthorizationRequired() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		this.simulator.inject(Fault.error("token_refresh", paired.deviceId(), "invalid_grant"));

		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).isEqualTo(409);
		assertThat(response.code()).isEqualTo("reauthorization_required");
		assertThat(state(paired.deviceId())).isEqualTo("REAUTH_REQUIRED");
		assertThat(device(paired.deviceId()).path("state").asString()).isEqualTo("REAUTH_REQUIRED");
		assertThat(auditDetail(paired.deviceId(), "device.reauth_required")).contains("invalid_grant");

		Api.Response again = accessToken(key, paired.deviceId());
		assertThat(again.code()).isEqualTo("reauthorization_required");
		assertThat(refreshes(paired.deviceId())).as("a device that must re-pair is not refreshed again").isEqualTo(1);
	}

	@Test
	void accessTokenWhenFrameioAnswers401ThenReauthorizationRequired() {
		Paired paired = pair();
		moveBelowMinValidity(paired.deviceId());
		this.simulator.inject(Fault.status("token_refresh", paired.deviceId(), 401, null));

		Api.Response response = accessToken(Api.BOOTSTRAP_KEY, paired.deviceId());
		assertThat(response.status()).isEqualTo(409);
		assertThat(response.code()).isEqualTo("reauthorization_required");
		assertThat(state(paired.deviceId())).isEqualTo("REAUTH_REQUIRED");
	}

	/**
	 * RFC 6749 lets the server answer {@code invalid_client} with 401: the model's secret is wrong (a
	 * mistyped rotation), not the device's tokens, so no device of that model may be sent to re-pair.
	 */
	@Test
	void accessTokenWhenFrameioAnswersInvalidClientWith401ThenUpstreamErrorAndDeviceStaysPaired() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		Secret refreshBefore = stored(paired.deviceId(), "refresh_token");
		this.simulator.inject(new Fault("token_refresh", paired.deviceId(), 401,
				java.util.Map.of("error", "invalid_client", "error_description", "Client authentication failed"), null,
				null, 1));

		Api.Response refused = accessToken(key, paired.deviceId());
		assertThat(refused.status()).as(refused.body()).isEqualTo(502);
		assertThat(refused.code()).isEqualTo("upstream_error");
		assertThat(refused.json().path("upstreamError").asString()).isEqualTo("invalid_client");
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(stored(paired.deviceId(), "refresh_token")).isEqualTo(refreshBefore);
		assertThat(accessToken(key, paired.deviceId()).status()).as("the next refresh works").isEqualTo(200);
	}

	/**
	 * Contract 1.2: x-client-version selects Frame.io's configuration for the device model, so a
	 * device that reports new firmware is named by it from then on; a malformed report changes nothing.
	 */
	@Test
	void accessTokenWithAReportedClientVersionThenRefreshesSendItAndTheDeviceShowsIt() {
		Paired paired = pair();
		String key = deviceKey(paired);
		Api device = this.api.as(key);
		String path = "/api/v1/devices/" + paired.deviceId() + "/access-token";

		Api.Response malformed = device.post(path, "{\"clientVersion\": \"v2\"}");
		assertThat(malformed.status()).isEqualTo(400);
		assertThat(malformed.code()).isEqualTo("validation_failed");
		assertThat(malformed.json().path("errors").path(0).path("field").asString()).isEqualTo("clientVersion");
		assertThat(admin().get("/api/v1/devices/" + paired.deviceId()).json().path("clientVersion").asString())
			.isEqualTo("2.1.0");

		assertThat(device.post(path, "").status()).as("no body is fine").isEqualTo(200);
		assertThat(device.post(path, "{}").status()).as("an empty one too").isEqualTo(200);
		moveBelowMinValidity(paired.deviceId());
		Api.Response reported = device.post(path, "{\"clientVersion\": \"2.2.0\"}");
		assertThat(reported.status()).as(reported.body()).isEqualTo(200);
		List<FrameioSimulator.Request> refreshes = this.simulator.requests()
			.stream()
			.filter((request) -> "token_refresh".equals(request.endpoint()) && paired.deviceId().equals(request.clientId()))
			.toList();
		assertThat(refreshes).last().extracting(FrameioSimulator.Request::clientVersion).isEqualTo("2.2.0");
		assertThat(admin().get("/api/v1/devices/" + paired.deviceId()).json().path("clientVersion").asString())
			.isEqualTo("2.2.0");
	}

	/** RFC 6749 section 6: a refresh answer without refresh_token leaves the current one in force. */
	@Test
	void accessTokenWhenTheRefreshAnswerCarriesNoRefreshTokenThenTheCurrentOneIsKept() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		Secret refreshBefore = stored(paired.deviceId(), "refresh_token");
		this.simulator.inject(new Fault("token_refresh", paired.deviceId(), 200,
				java.util.Map.of("access_token", "access-without-rotation", "expires_in", 3600, "token_type", "bearer"),
				null, null, 1));

		Api.Response served = accessToken(key, paired.deviceId());
		assertThat(served.status()).as(served.body()).isEqualTo(200);
		assertThat(served.json().path("accessToken").asString()).isEqualTo("access-without-rotation");
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(stored(paired.deviceId(), "refresh_token")).isEqualTo(refreshBefore);

		moveBelowMinValidity(paired.deviceId());
		Api.Response next = accessToken(key, paired.deviceId());
		assertThat(next.status()).as("the kept refresh token still works").isEqualTo(200);
		assertThat(this.simulator.accessTokenValid(next.json().path("accessToken").asString())).isTrue();
	}

	@Test
	void accessTokenWhenFrameioDownThenUpstreamErrorAndNothingLost() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		Secret refreshBefore = stored(paired.deviceId(), "refresh_token");

		this.simulator.inject(Fault.status("token_refresh", paired.deviceId(), 503, null));
		Api.Response unavailable = accessToken(key, paired.deviceId());
		assertThat(unavailable.status()).isEqualTo(504);
		assertThat(unavailable.code()).isEqualTo("upstream_unavailable");

		this.simulator.inject(Fault.status("token_refresh", paired.deviceId(), 429, "7"));
		Api.Response limited = accessToken(key, paired.deviceId());
		assertThat(limited.status()).isEqualTo(503);
		assertThat(limited.code()).isEqualTo("upstream_rate_limited");
		assertThat(limited.header("Retry-After")).isEqualTo("7");
		// The 429 paused the model's token endpoint for the fleet: the next call waits for its end.
		this.clock.advance(Duration.ofSeconds(7));

		this.simulator.inject(Fault.error("token_refresh", paired.deviceId(), "invalid_client"));
		Api.Response refused = accessToken(key, paired.deviceId());
		assertThat(refused.status()).isEqualTo(502);
		assertThat(refused.code()).isEqualTo("upstream_error");
		assertThat(refused.json().path("upstreamError").asString()).isEqualTo("invalid_client");

		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(stored(paired.deviceId(), "refresh_token")).isEqualTo(refreshBefore);
		Api.Response recovered = accessToken(key, paired.deviceId());
		assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);
		assertThat(refreshes(paired.deviceId())).isEqualTo(4);
	}

	@Test
	void accessTokenWhenRefreshUnansweredBeforeFrameioActedThenRetriedOnceAndServed() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		// Held back past the gateway's 3 s timeout, and never processed: the stored token is unspent.
		this.simulator.inject(Fault.delay("token_refresh", paired.deviceId(), Duration.ofMillis(4000)));

		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		assertThat(refreshes(paired.deviceId())).isEqualTo(2);
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(this.simulator.accessTokenValid(response.json().path("accessToken").asString())).isTrue();
		assertThat(auditDetail(paired.deviceId(), "device.tokens_refreshed")).contains("afterUnknownOutcome=true");
		assertThat(this.jdbc.sql("select count(*) from device where device_id = ? and refresh_unknown_since is not null")
			.param(paired.deviceId())
			.query(Long.class)
			.single()).as("the unknown outcome is settled").isZero();
	}

	@Test
	void accessTokenWhenFrameioRotatedButAnswerLostThenSingleRetryIsRejectedAndDeviceMustRepair() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		// Frame.io spends the refresh token, but its answer arrives after the gateway gave up.
		this.simulator.inject(Fault.late("token_refresh", paired.deviceId(), Duration.ofMillis(4000)));

		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).isEqualTo(409);
		assertThat(response.code()).isEqualTo("reauthorization_required");
		assertThat(refreshes(paired.deviceId())).as("the one retry, then nothing").isEqualTo(2);
		assertThat(state(paired.deviceId())).isEqualTo("REAUTH_REQUIRED");
		assertThat(auditDetail(paired.deviceId(), "device.reauth_required")).contains("invalid_request")
			.contains("never answered")
			.contains("timeout");
	}

	@Test
	void accessTokenWhenRefresherDiedBetweenUpstreamCallAndWriteThenNextRefreshRetriesOnceAndDeviceMustRepair() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		String trigger = "fail_token_write_" + Long.toHexString(System.nanoTime());
		// Every write of new tokens for this device fails, as if the replica died right after Frame.io answered.
		this.jdbc.sql("create function " + trigger + "() returns trigger language plpgsql as $$ begin "
				+ "raise exception 'simulated crash'; end $$").update();
		this.jdbc.sql("create trigger " + trigger + " before update on device for each row when ("
				+ "new.access_token_enc is distinct from old.access_token_enc and new.device_id = '" + paired.deviceId()
				+ "') execute function " + trigger + "()").update();
		try {
			Api.Response crashed = accessToken(key, paired.deviceId());
			assertThat(crashed.status()).isEqualTo(500);
			assertThat(crashed.code()).isEqualTo("internal_error");
			// The process ends while the write still fails: the pair it kept in memory goes with it.
			this.unstored.stop();
			this.unstored.start();
			assertThat(this.jdbc.sql("select refresh_lease_until > now() from device where device_id = ?")
				.param(paired.deviceId())
				.query(Boolean.class)
				.single()).as("the writes were given up while the lease still kept other refreshers off").isTrue();
		}
		finally {
			this.jdbc.sql("drop trigger " + trigger + " on device").update();
			this.jdbc.sql("drop function " + trigger + "()").update();
		}
		assertThat(refreshes(paired.deviceId())).isEqualTo(1);
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(this.jdbc.sql("select refresh_lease_owner from device where device_id = ?")
			.param(paired.deviceId())
			.query(String.class)
			.single()).as("a dead replica's lease stays until it runs out").isNotNull();
		expireRefreshLease(paired.deviceId());

		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).isEqualTo(409);
		assertThat(response.code()).isEqualTo("reauthorization_required");
		assertThat(refreshes(paired.deviceId())).isEqualTo(2);
		assertThat(auditDetail(paired.deviceId(), "device.reauth_required")).contains("invalid_request")
			.contains("ended without a result");
	}

	@Test
	void accessTokenWhenRefresherDiedBeforeSendingThenRetryWithStoredTokenSucceeds() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		this.jdbc.sql("update device set refresh_lease_owner = 'dead-replica#refresh-1', "
				+ "refresh_lease_until = now() - interval '1 second' where device_id = ?").param(paired.deviceId()).update();

		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		assertThat(refreshes(paired.deviceId())).isEqualTo(1);
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(auditDetail(paired.deviceId(), "device.tokens_refreshed")).contains("afterUnknownOutcome=true");
	}

	@Test
	void accessTokenWhenRetryAfterDeadRefresherFailsTooThenTheNextRefreshStillCountsAsTheRetry() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		this.jdbc.sql("update device set refresh_lease_owner = 'dead-replica#refresh-2', "
				+ "refresh_lease_until = now() - interval '1 second' where device_id = ?").param(paired.deviceId()).update();
		this.simulator.inject(Fault.status("token_refresh", paired.deviceId(), 503, null));

		Api.Response unavailable = accessToken(key, paired.deviceId());
		assertThat(unavailable.status()).isEqualTo(504);
		assertThat(this.jdbc.sql("select count(*) from device where device_id = ? and refresh_unknown_since is not null")
			.param(paired.deviceId())
			.query(Long.class)
			.single()).as("still in doubt").isEqualTo(1);

		this.simulator.inject(Fault.error("token_refresh", paired.deviceId(), "invalid_request"));
		Api.Response rejected = accessToken(key, paired.deviceId());
		assertThat(rejected.code()).isEqualTo("reauthorization_required");
		assertThat(auditDetail(paired.deviceId(), "device.reauth_required")).contains("ended without a known result");
		assertThat(refreshes(paired.deviceId())).isEqualTo(2);
	}

	@Test
	void accessTokenWithKeyOfAnotherDeviceThenNotFound() {
		String model = newModel();
		String station = newKey("STATION");
		Paired first = pair(model, station, newDeviceId());
		Paired second = pair(model, station, newDeviceId());
		String firstKey = deviceKey(first);
		deviceKey(second);

		assertThat(accessToken(firstKey, second.deviceId()).status()).isEqualTo(404);
		assertThat(accessToken(firstKey, second.deviceId()).code()).isEqualTo("not_found");
		assertThat(accessToken(firstKey, newDeviceId()).status()).isEqualTo(404);
		assertThat(accessToken(Api.BOOTSTRAP_KEY, newDeviceId()).status()).isEqualTo(404);
		assertThat(accessToken(Api.BOOTSTRAP_KEY, "-not-a-device-id").status()).isEqualTo(404);
		assertThat(accessToken(station, first.deviceId()).status()).isEqualTo(403);
		assertThat(this.api.post("/api/v1/devices/" + first.deviceId() + "/access-token", null).status()).isEqualTo(401);
		assertThat(accessToken(firstKey, first.deviceId()).status()).isEqualTo(200);
		assertThat(accessToken(Api.BOOTSTRAP_KEY, second.deviceId()).status()).isEqualTo(200);
		// A device key is good for nothing else.
		for (String path : List.of("/api/v1/devices/" + first.deviceId(), "/api/v1/devices", "/api/v1/pairings")) {
			assertThat(this.api.as(firstKey).get(path).status()).as(path).isEqualTo(403);
		}
	}

	private void expireRefreshLease(String deviceId) {
		this.jdbc.sql("update device set refresh_lease_until = now() - interval '1 second' where device_id = ?")
			.param(deviceId)
			.update();
	}

}
