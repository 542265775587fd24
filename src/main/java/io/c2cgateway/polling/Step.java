package io.c2cgateway.polling;

import java.time.Instant;

import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;

/** One unit of engine work for a pairing and what came back of it, at {@code at} (domain time). */
sealed interface Step {

	Tracked pairing();

	Instant at();

	/**
	 * A token poll. When Frame.io answered {@code expired_token} and the deadline allowed a new code,
	 * {@code renewal} holds the answer to the device-code request made right after; else null.
	 */
	record Poll(Tracked pairing, Upstream<TokenGrant> answer, Upstream<DeviceCode> renewal, Instant at) implements Step {
	}

	/** A device-code request for a pairing whose code died before its deadline. */
	record Renew(Tracked pairing, Upstream<DeviceCode> renewal, Instant at) implements Step {
	}

	/** The live code died at or after the deadline: nothing to ask upstream. */
	record Expire(Tracked pairing, Instant at) implements Step {
	}

}
