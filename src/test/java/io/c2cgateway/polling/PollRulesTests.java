package io.c2cgateway.polling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.pairing.PairingStatus;

/**
 * The polling rules without I/O: one step in, one decision out. The full-stack scenarios in
 * {@link PollingRulesTests} show the same rules through the simulator; these pin the arithmetic.
 */
class PollRulesTests {

	private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

	private final PollRules rules = new PollRules(Duration.ofSeconds(60));

	@Test
	void pollWhenAuthorizationPendingThenNextPollIsOneIntervalLater() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Rejected<>(400, "authorization_pending")));

		assertThat(decision).isEqualTo(new Decision.Reschedule(NOW.plusSeconds(5), 5, 0, false, NOW));
	}

	@Test
	void pollWhenSlowDownThenIntervalGrowsByFiveSeconds() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Rejected<>(400, "slow_down")));

		assertThat(decision).isEqualTo(new Decision.Reschedule(NOW.plusSeconds(10), 10, 0, true, NOW));
	}

	@Test
	void pollWhenSlowDownInsideA429ThenIntervalGrowsAndRetryAfterIsHonoured() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.RateLimited<>(Duration.ofSeconds(30), "slow_down")));

		assertThat(decision).isInstanceOfSatisfying(Decision.Reschedule.class, reschedule -> {
			assertThat(reschedule.intervalSeconds()).isEqualTo(10);
			assertThat(reschedule.visible()).isTrue();
			assertThat(reschedule.nextPollAt()).isEqualTo(NOW.plusSeconds(30));
		});
	}

	@Test
	void pollWhenRateLimitedWithoutRetryAfterThenBacksOffTwiceTheIntervalAndKeepsIt() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.RateLimited<>(null)));

		assertThat(decision).isEqualTo(new Decision.Reschedule(NOW.plusSeconds(10), 5, 10, false, NOW));
	}

	@Test
	void pollWhenUpstreamStaysUnavailableThenBackoffDoublesUpToTheCap() {
		Decision decision = this.rules.decide(poll(pending(5, 40), new Upstream.Unavailable<>("timeout", null)));

		assertThat(decision).isEqualTo(new Decision.Reschedule(NOW.plusSeconds(60), 5, 60, false, NOW));
	}

	@Test
	void pollWhenBackoffWouldOutliveTheCodeThenNextStepIsAtTheCodesExpiry() {
		Tracked pairing = pending(5, 0);
		pairing.codeExpiresAt = NOW.plusSeconds(4);

		Decision decision = this.rules.decide(poll(pairing, new Upstream.Unavailable<>("http_503", Duration.ofSeconds(20))));

		assertThat(decision).isEqualTo(new Decision.Reschedule(NOW.plusSeconds(4), 5, 10, false, NOW));
	}

	@Test
	void pollWhenProxyAnswersA404WithoutOAuthErrorThenItIsTransientNotTheEnd() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Rejected<>(404, "http_404")));

		assertThat(decision).isInstanceOf(Decision.Reschedule.class);
	}

	@Test
	void pollWhenAccessDeniedThenPairingIsDenied() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Rejected<>(400, "access_denied")));

		assertThat(decision).isEqualTo(new Decision.Finish(PairingStatus.DENIED, null, NOW, NOW));
	}

	@Test
	void pollWhenUnknownOAuthErrorThenPairingFailsWithThatReason() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Rejected<>(401, "invalid_client")));

		assertThat(decision).isEqualTo(new Decision.Finish(PairingStatus.FAILED, "invalid_client", NOW, NOW));
	}

	@Test
	void pollWhenTwoHundredWithoutUsableTokensThenFailsAsInvalidTokenResponse() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Rejected<>(200, "missing_refresh_token")));

		assertThat(decision).isEqualTo(new Decision.Finish(PairingStatus.FAILED, Upstream.INVALID_TOKEN_RESPONSE, NOW, NOW));
	}

	@Test
	void pollWhenTokensArriveThenPairingIsAuthorized() {
		TokenGrant tokens = new TokenGrant(Secret.of("a"), Secret.of("r"), 3600, "bearer");

		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Ok<>(tokens)));

		assertThat(decision).isEqualTo(new Decision.Authorize(tokens, NOW, NOW));
	}

	@Test
	void pollWhenCodeExpiredAndNoRenewalWasAllowedThenPairingExpires() {
		Decision decision = this.rules.decide(poll(pending(5, 0), new Upstream.Rejected<>(400, "expired_token")));

		assertThat(decision).isEqualTo(new Decision.Finish(PairingStatus.EXPIRED, null, NOW, NOW));
	}

	@Test
	void pollWhenCodeExpiredAndRenewalSucceededThenNewCodeReplacesIt() {
		DeviceCode code = new DeviceCode(Secret.of("dc"), "123456", "https://frame.io/c2c", null, null, 1800, 5);

		Decision decision = this.rules.decide(new Step.Poll(pending(5, 0), new Upstream.Rejected<>(400, "expired_token"),
				new Upstream.Ok<>(code), NOW));

		assertThat(decision).isEqualTo(new Decision.Renew(code, NOW, NOW));
	}

	@Test
	void renewalWhenUpstreamUnavailableThenCodeIsDeadAndNextAttemptNeverPassesTheDeadline() {
		Tracked pairing = pending(5, 40);
		pairing.codeExpiresAt = NOW.minusSeconds(1);
		Instant deadline = pairing.expiresAt;

		Decision decision = this.rules.decide(new Step.Renew(pairing, new Upstream.Unavailable<>("timeout", null), deadline.minusSeconds(10)));

		assertThat(decision).isInstanceOfSatisfying(Decision.CodeDead.class, dead -> {
			assertThat(dead.nextAttemptAt()).isEqualTo(deadline);
			assertThat(dead.backoffSeconds()).isEqualTo(60);
			assertThat(dead.visible()).isFalse();
			assertThat(dead.polledAt()).isNull();
		});
	}

	@Test
	void renewalWhenRefusedWithOAuthErrorThenPairingFails() {
		Decision decision = this.rules.decide(new Step.Renew(pending(5, 0), new Upstream.Rejected<>(400, "invalid_client"), NOW));

		assertThat(decision).isEqualTo(new Decision.Finish(PairingStatus.FAILED, "invalid_client", NOW, null));
	}

	@Test
	void expireStepEndsThePairingWithoutAPoll() {
		Decision decision = this.rules.decide(new Step.Expire(pending(5, 0), NOW));

		assertThat(decision).isEqualTo(new Decision.Finish(PairingStatus.EXPIRED, null, NOW, null));
	}

	@Test
	void mustExpireWhenDeadlinePassedOrCodeOutlivesTheDeadline() {
		Tracked pairing = pending(5, 0);

		assertThat(PollRules.mustExpire(pairing, NOW)).isFalse();
		assertThat(PollRules.mustExpire(pairing, pairing.expiresAt)).isTrue();
		pairing.codeExpiresAt = pairing.expiresAt;
		assertThat(PollRules.mustExpire(pairing, NOW)).isTrue();
	}

	@Test
	void everyRescheduleIsAtLeastOneIntervalAfterThePoll() {
		Tracked pairing = pending(7, 0);
		Upstream<TokenGrant>[] answers = answers();
		for (Upstream<TokenGrant> answer : answers) {
			Decision decision = this.rules.decide(poll(pairing, answer));
			if (decision instanceof Decision.Reschedule reschedule) {
				assertThat(reschedule.nextPollAt()).as(answer.toString()).isAfterOrEqualTo(NOW.plusSeconds(7));
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static Upstream<TokenGrant>[] answers() {
		return new Upstream[] { new Upstream.Rejected<>(400, "authorization_pending"),
				new Upstream.Rejected<>(400, "slow_down"), new Upstream.RateLimited<>(null),
				new Upstream.RateLimited<>(Duration.ofSeconds(1)), new Upstream.RateLimited<>(Duration.ofSeconds(-3)),
				new Upstream.Unavailable<>("timeout", null), new Upstream.Unavailable<>("http_503", Duration.ZERO),
				new Upstream.Rejected<>(408, "http_408") };
	}

	private static Step.Poll poll(Tracked pairing, Upstream<TokenGrant> answer) {
		return new Step.Poll(pairing, answer, null, NOW);
	}

	private static Tracked pending(int intervalSeconds, int backoffSeconds) {
		return new Tracked(UUID.randomUUID(), 1, "CAM-1", "model", "1.0", false, NOW.plusSeconds(1800),
				Secret.of("device-code"), NOW.plusSeconds(900), intervalSeconds, backoffSeconds, NOW);
	}

}
