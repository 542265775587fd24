package io.c2cgateway.device;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Contract 1.2: token lifetimes as the authorization server states them. A stated
 * {@code refresh_expires_in} replaces the 14 days Frame.io's refresh tokens live and brings
 * keep-alive forward to half of it; an access token shorter than min-validity is handed out as it is.
 */
class DeviceTokenLifetimeTests extends CustodyTest {

	@Autowired
	private KeepAlive keepAlive;

	private Instant refreshTokenExpiresAt(String deviceId) {
		return Instant.parse(device(deviceId).path("refreshTokenExpiresAt").asString());
	}

	private Paired pairWith(String deviceId) {
		return pair(newModel(), newKey("STATION"), deviceId);
	}

	@Test
	void refreshTokenLifeStatedInTheTokenAnswerThenItsExpiryShowsItAndKeepAliveRefreshesAtHalfOfIt() {
		String deviceId = newDeviceId();
		this.simulator.refreshTokenLifetime(deviceId, Duration.ofMinutes(30));
		Paired paired = pairWith(deviceId);
		Instant pairedAt = this.clock.instant();
		assertThat(refreshTokenExpiresAt(deviceId)).isEqualTo(pairedAt.plus(Duration.ofMinutes(30)));

		this.clock.advance(Duration.ofMinutes(15).minusSeconds(1));
		this.keepAlive.runOnce();
		assertThat(refreshes(deviceId)).as("less than half of the life has passed").isZero();

		this.clock.advance(Duration.ofSeconds(1));
		this.keepAlive.runOnce();
		assertThat(refreshes(deviceId)).as("half of the 30 minutes, not keep-alive-after's 7 days").isEqualTo(1);
		assertThat(state(deviceId)).isEqualTo("PAIRED");
		assertThat(refreshTokenExpiresAt(deviceId)).isEqualTo(this.clock.instant().plus(Duration.ofMinutes(30)));

		// The refreshed token states its life again: the device stays paired for as long as keep-alive runs.
		for (int round = 0; round < 4; round++) {
			this.clock.advance(Duration.ofMinutes(15));
			this.keepAlive.runOnce();
		}
		assertThat(refreshes(deviceId)).isEqualTo(5);
		Api.Response token = accessToken(deviceKey(paired), deviceId);
		assertThat(token.status()).as(token.body()).isEqualTo(200);
		assertThat(this.simulator.accessTokenValid(token.json().path("accessToken").asString())).isTrue();
	}

	@Test
	void refreshTokenLifeNotStatedThenFourteenDaysAndKeepAliveAfterKeepAliveAfter() {
		Paired paired = pair();
		Instant pairedAt = this.clock.instant();
		assertThat(refreshTokenExpiresAt(paired.deviceId())).isEqualTo(pairedAt.plus(Duration.ofDays(14)));

		this.clock.advance(this.tokenProperties.keepAliveAfter().minusSeconds(1));
		this.keepAlive.runOnce();
		assertThat(refreshes(paired.deviceId())).isZero();
		this.clock.advance(Duration.ofSeconds(1));
		this.keepAlive.runOnce();
		assertThat(refreshes(paired.deviceId())).isEqualTo(1);
		assertThat(refreshTokenExpiresAt(paired.deviceId())).isEqualTo(this.clock.instant().plus(Duration.ofDays(14)));
	}

	@Test
	void refreshAnswerWithoutNewRefreshTokenThenTheCurrentOneKeepsItsExpiryAndItsKeepAlive() {
		String deviceId = newDeviceId();
		this.simulator.refreshTokenLifetime(deviceId, Duration.ofHours(1));
		this.simulator.accessTokenLifetime(deviceId, Duration.ofMinutes(20));
		this.simulator.rotateRefreshTokens(deviceId, false);
		Paired paired = pairWith(deviceId);
		Instant pairedAt = this.clock.instant();
		String key = deviceKey(paired);
		Secret refreshBefore = stored(deviceId, "refresh_token");

		moveBelowMinValidity(deviceId);
		Api.Response served = accessToken(key, deviceId);
		assertThat(served.status()).as(served.body()).isEqualTo(200);
		assertThat(refreshes(deviceId)).isEqualTo(1);
		assertThat(stored(deviceId, "refresh_token")).isEqualTo(refreshBefore);
		assertThat(refreshTokenExpiresAt(deviceId)).isEqualTo(pairedAt.plus(Duration.ofHours(1)));

		// Keep-alive still reckons from the kept token's issue: half of its hour.
		this.clock.advance(Duration.between(this.clock.instant(), pairedAt.plus(Duration.ofMinutes(30))).minusSeconds(1));
		this.keepAlive.runOnce();
		assertThat(refreshes(deviceId)).isEqualTo(1);
		this.clock.advance(Duration.ofSeconds(1));
		this.keepAlive.runOnce();
		assertThat(refreshes(deviceId)).isEqualTo(2);
		assertThat(refreshTokenExpiresAt(deviceId)).isEqualTo(pairedAt.plus(Duration.ofHours(1)));
	}

	@Test
	void accessTokenShorterThanMinValidityThenHandedOutWithItsRealExpiryWithoutARefreshLoop() {
		String deviceId = newDeviceId();
		this.simulator.accessTokenLifetime(deviceId, Duration.ofSeconds(120));
		Paired paired = pairWith(deviceId);
		Instant pairedAt = this.clock.instant();
		String key = deviceKey(paired);

		Api.Response first = accessToken(key, deviceId);
		assertThat(first.status()).as(first.body()).isEqualTo(200);
		assertThat(Instant.parse(first.json().path("expiresAt").asString())).isEqualTo(pairedAt.plusSeconds(120));
		Api.Response again = accessToken(key, deviceId);
		assertThat(again.json().path("accessToken").asString()).isEqualTo(first.json().path("accessToken").asString());
		assertThat(refreshes(deviceId)).as("Frame.io's token is as long as it gets: no refresh for it").isZero();

		// Once less than half of its life is left, one refresh; asking again right after needs none.
		this.clock.advance(Duration.ofSeconds(61));
		Api.Response refreshed = accessToken(key, deviceId);
		assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
		assertThat(Instant.parse(refreshed.json().path("expiresAt").asString()))
			.isEqualTo(this.clock.instant().plusSeconds(120));
		assertThat(this.simulator.accessTokenValid(refreshed.json().path("accessToken").asString())).isTrue();
		assertThat(refreshes(deviceId)).isEqualTo(1);
		this.clock.advance(Duration.ofSeconds(5));
		Api.Response soonAfter = accessToken(key, deviceId);
		assertThat(soonAfter.json().path("accessToken").asString())
			.isEqualTo(refreshed.json().path("accessToken").asString());
		assertThat(refreshes(deviceId)).isEqualTo(1);
	}

	/** A pair the database would not take within its lease is kept in memory; its stated life goes with it. */
	@Test
	void refreshedPairStoredLateAfterAnOutageThenItKeepsItsStatedLife() {
		String deviceId = newDeviceId();
		this.simulator.refreshTokenLifetime(deviceId, Duration.ofHours(1));
		this.simulator.accessTokenLifetime(deviceId, Duration.ofMinutes(20));
		Paired paired = pairWith(deviceId);
		String key = deviceKey(paired);
		moveBelowMinValidity(deviceId);
		Instant refreshedAt = this.clock.instant();
		String trigger = "refuse_token_write_" + Long.toHexString(System.nanoTime());
		this.jdbc.sql("create function " + trigger + "() returns trigger language plpgsql as $$ begin "
				+ "raise exception 'simulated outage'; end $$").update();
		this.jdbc.sql("create trigger " + trigger + " before update on device for each row when ("
				+ "new.access_token_enc is distinct from old.access_token_enc and new.device_id = '" + deviceId
				+ "') execute function " + trigger + "()").update();
		try {
			Api.Response refused = accessToken(key, deviceId);
			assertThat(refused.status()).as(refused.body()).isEqualTo(500);
			assertThat(this.unstored.size()).as("kept until the database takes it").isPositive();
		}
		finally {
			this.jdbc.sql("drop trigger " + trigger + " on device").update();
			this.jdbc.sql("drop function " + trigger + "()").update();
		}
		this.unstored.retryAll();

		assertThat(this.simulator.refreshTokenValid(stored(deviceId, "refresh_token").reveal())).isTrue();
		assertThat(refreshTokenExpiresAt(deviceId)).isEqualTo(refreshedAt.plus(Duration.ofHours(1)));
		assertThat(this.jdbc.sql("select refresh_token_half_life_at from device where device_id = ?")
			.param(deviceId)
			.query(java.time.OffsetDateTime.class)
			.single()
			.toInstant()).isEqualTo(refreshedAt.plus(Duration.ofMinutes(30)));
	}

	/**
	 * A 2xx refresh answer without usable tokens may mean Frame.io spent the refresh token and the
	 * new pair got lost on the way. The outcome is unknown: the stored token is tried once more.
	 */
	@Test
	void refreshAnswerWithoutUsableTokensThenTheStoredRefreshTokenIsRetriedOnce() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		this.simulator.inject(new Fault("token_refresh", paired.deviceId(), 200,
				Map.of("refresh_token", "refresh-without-access", "token_type", "bearer"), null, null, 1));

		Api.Response served = accessToken(key, paired.deviceId());
		assertThat(served.status()).as(served.body()).isEqualTo(200);
		assertThat(refreshes(paired.deviceId())).isEqualTo(2);
		assertThat(this.simulator.accessTokenValid(served.json().path("accessToken").asString())).isTrue();
		assertThat(auditDetail(paired.deviceId(), "device.tokens_refreshed")).contains("afterUnknownOutcome=true");
		assertThat(served.body()).doesNotContain("refresh-without-access");
	}

	@Test
	void refreshAnswerWithoutUsableTokensAndTheRetryRejectedThenReauthorizationRequired() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		this.simulator.inject(new Fault("token_refresh", paired.deviceId(), 200, "<html>maintenance</html>", null,
				null, 1));
		this.simulator.inject(Fault.error("token_refresh", paired.deviceId(), "invalid_grant"));

		Api.Response response = accessToken(key, paired.deviceId());
		assertThat(response.status()).as(response.body()).isEqualTo(409);
		assertThat(response.code()).isEqualTo("reauthorization_required");
		assertThat(state(paired.deviceId())).isEqualTo("REAUTH_REQUIRED");
		assertThat(auditDetail(paired.deviceId(), "device.reauth_required")).contains("single retry");
	}

	@Test
	void refreshAnswerWithoutUsableTokensTwiceThenUpstreamErrorAndTheNextRefreshIsTheRetry() {
		Paired paired = pair();
		String key = deviceKey(paired);
		moveBelowMinValidity(paired.deviceId());
		Secret refreshBefore = stored(paired.deviceId(), "refresh_token");
		this.simulator.inject(new Fault("token_refresh", paired.deviceId(), 200, Map.of("token_type", "bearer"), null,
				null, 2));

		Api.Response refused = accessToken(key, paired.deviceId());
		assertThat(refused.status()).as(refused.body()).isEqualTo(502);
		assertThat(refused.code()).isEqualTo("upstream_error");
		assertThat(refused.json().path("upstreamError").asString()).isEqualTo("invalid_token_response");
		assertThat(state(paired.deviceId())).isEqualTo("PAIRED");
		assertThat(stored(paired.deviceId(), "refresh_token")).isEqualTo(refreshBefore);
		assertThat(this.jdbc.sql("select count(*) from device where device_id = ? and refresh_unknown_since is not null")
			.param(paired.deviceId())
			.query(Long.class)
			.single()).as("the next refresh knows the stored token may be spent").isEqualTo(1);

		Api.Response next = accessToken(key, paired.deviceId());
		assertThat(next.status()).as(next.body()).isEqualTo(200);
		assertThat(auditDetail(paired.deviceId(), "device.tokens_refreshed")).contains("afterUnknownOutcome=true");
	}

}
