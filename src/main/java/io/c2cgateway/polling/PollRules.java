package io.c2cgateway.polling;

import java.time.Duration;
import java.time.Instant;

import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.pairing.PairingStatus;

/**
 * RFC 8628 §3.5 as the contract's polling rules spell it out, with no I/O: a {@link Step} in, a
 * {@link Decision} out. Every time computed here is at least the current interval after the poll
 * it follows.
 */
final class PollRules {

	static final int SLOW_DOWN_INCREMENT = 5;

	private final Duration backoffCap;

	PollRules(Duration backoffCap) {
		this.backoffCap = backoffCap;
	}

	/** What to do with a due pairing whose code died: expire it, or ask for a new code. */
	static boolean mustExpire(Tracked pairing, Instant now) {
		return !now.isBefore(pairing.expiresAt)
				|| (pairing.codeExpiresAt != null && !pairing.codeExpiresAt.isBefore(pairing.expiresAt));
	}

	/** Whether a code that Frame.io just declared expired may be replaced. */
	static boolean mayRenew(Tracked pairing, Instant now) {
		return now.isBefore(pairing.expiresAt);
	}

	Decision decide(Step step) {
		if (step instanceof Step.Poll poll) {
			return afterPoll(poll);
		}
		if (step instanceof Step.Renew renew) {
			return afterRenewal(renew.pairing(), renew.renewal(), renew.at(), null);
		}
		return new Decision.Finish(PairingStatus.EXPIRED, null, step.at(), null);
	}

	private Decision afterPoll(Step.Poll poll) {
		Tracked pairing = poll.pairing();
		Instant at = poll.at();
		Upstream<TokenGrant> answer = poll.answer();
		if (answer instanceof Upstream.Ok<TokenGrant> ok) {
			return new Decision.Authorize(ok.value(), at, at);
		}
		// Frame.io said yes without usable tokens: the code is spent, custody impossible (contract 1.2).
		if (Upstream.isUnusableAnswer(answer)) {
			return new Decision.Finish(PairingStatus.FAILED, Upstream.INVALID_TOKEN_RESPONSE, at, at);
		}
		// A 4xx without an OAuth error is a proxy's or CDN's page, not Frame.io's verdict: transient (contract 1.2).
		if (answer instanceof Upstream.Rejected<TokenGrant> rejected && !statusOnly(rejected)) {
			switch (rejected.error()) {
				case "authorization_pending":
					return new Decision.Reschedule(at.plusSeconds(pairing.intervalSeconds), pairing.intervalSeconds, 0,
							false, at);
				case "slow_down":
					int slower = pairing.intervalSeconds + SLOW_DOWN_INCREMENT;
					return new Decision.Reschedule(at.plusSeconds(slower), slower, 0, true, at);
				case "expired_token":
					if (poll.renewal() == null) {
						return new Decision.Finish(PairingStatus.EXPIRED, null, at, at);
					}
					return afterRenewal(pairing, poll.renewal(), at, at);
				case "access_denied":
					return new Decision.Finish(PairingStatus.DENIED, null, at, at);
				default:
					return new Decision.Finish(PairingStatus.FAILED, rejected.error(), at, at);
			}
		}
		// slow_down counts whatever the status, also inside a 429 (contract 1.2).
		boolean slowDown = answer instanceof Upstream.RateLimited<TokenGrant> limited && limited.slowDown();
		int interval = slowDown ? pairing.intervalSeconds + SLOW_DOWN_INCREMENT : pairing.intervalSeconds;
		int backoff = nextBackoff(pairing);
		long waitSeconds = Math.max(Math.max(backoff, interval), retryAfter(answer).toSeconds());
		Instant next = at.plusSeconds(waitSeconds);
		if (pairing.codeExpiresAt != null && next.isAfter(pairing.codeExpiresAt)) {
			// Backoff never outlives the code: when it dies, the next step is a renewal, not a poll.
			next = laterOf(pairing.codeExpiresAt, at);
		}
		return new Decision.Reschedule(next, interval, backoff, slowDown, at);
	}

	private Decision afterRenewal(Tracked pairing, Upstream<DeviceCode> renewal, Instant at, Instant polledAt) {
		if (renewal instanceof Upstream.Ok<DeviceCode> ok) {
			return new Decision.Renew(ok.value(), at, polledAt);
		}
		if (renewal instanceof Upstream.Rejected<DeviceCode> rejected && !statusOnly(rejected)) {
			return new Decision.Finish(PairingStatus.FAILED, rejected.error(), at, polledAt);
		}
		int backoff = nextBackoff(pairing);
		Instant next = at.plusSeconds(Math.max(backoff, retryAfter(renewal).toSeconds()));
		if (next.isAfter(pairing.expiresAt)) {
			next = laterOf(pairing.expiresAt, at);
		}
		boolean visible = pairing.codeExpiresAt == null || pairing.codeExpiresAt.isAfter(at);
		return new Decision.CodeDead(at, next, backoff, visible, polledAt);
	}

	private static boolean statusOnly(Upstream.Rejected<?> rejected) {
		return rejected.status() >= 400 && rejected.status() < 500 && Upstream.isStatusOnly(rejected.error());
	}

	private int nextBackoff(Tracked pairing) {
		long cap = Math.max(1, this.backoffCap.toSeconds());
		long next = (pairing.backoffSeconds <= 0) ? 2L * Math.max(1, pairing.intervalSeconds)
				: 2L * pairing.backoffSeconds;
		return (int) Math.min(cap, next);
	}

	private static Duration retryAfter(Upstream<?> answer) {
		Duration retryAfter = null;
		if (answer instanceof Upstream.RateLimited<?> limited) {
			retryAfter = limited.retryAfter();
		}
		else if (answer instanceof Upstream.Unavailable<?> unavailable) {
			retryAfter = unavailable.retryAfter();
		}
		return (retryAfter == null || retryAfter.isNegative()) ? Duration.ZERO : retryAfter;
	}

	private static Instant laterOf(Instant a, Instant b) {
		return a.isAfter(b) ? a : b;
	}

}
