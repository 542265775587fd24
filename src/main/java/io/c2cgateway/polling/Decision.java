package io.c2cgateway.polling;

import java.time.Instant;

import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.pairing.PairingTransitions;

/** What a {@link Step} means for the pairing's row. {@code polledAt} is set when a poll was sent. */
sealed interface Decision {

	Instant polledAt();

	/** Poll again at {@code nextPollAt}; {@code visible} when {@code pollIntervalSeconds} changed. */
	record Reschedule(Instant nextPollAt, int intervalSeconds, int backoffSeconds, boolean visible, Instant polledAt)
			implements Decision {
	}

	/** A fresh code replaces the dead one. */
	record Renew(DeviceCode code, Instant issuedAt, Instant polledAt) implements Decision {
	}

	/** The code is dead and no new one could be had yet: try again at {@code nextAttemptAt}. */
	record CodeDead(Instant diedAt, Instant nextAttemptAt, int backoffSeconds, boolean visible, Instant polledAt)
			implements Decision {
	}

	/** A terminal state other than AUTHORIZED. */
	record Finish(PairingStatus status, String failureReason, Instant at, Instant polledAt) implements Decision {

		/** Upstream error codes are free text of any length; cut to the column rather than refused by it. */
		public Finish {
			failureReason = (failureReason == null || failureReason.length() <= PairingTransitions.FAILURE_REASON_LENGTH)
					? failureReason : failureReason.substring(0, PairingTransitions.FAILURE_REASON_LENGTH);
		}

	}

	/** Frame.io handed out tokens. */
	record Authorize(TokenGrant tokens, Instant at, Instant polledAt) implements Decision {
	}

}
