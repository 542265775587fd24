package io.c2cgateway.device;

import java.time.Duration;

import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.DomainException;
import io.c2cgateway.system.InternalFailure;
import io.c2cgateway.system.UpstreamRateLimited;
import io.c2cgateway.system.UpstreamRefused;
import io.c2cgateway.system.UpstreamUnavailable;

/**
 * Why a refresh ended without tokens, as written to the row for the callers who waited on it:
 * {@code code|detail}.
 */
final class RefreshFailure {

	static final String INTERNAL = "internal_error|";

	static final String UNREADABLE = "device_tokens_unreadable|";

	private RefreshFailure() {
	}

	static String of(String code, String detail) {
		return code + "|" + detail;
	}

	static String code(String failure) {
		int bar = failure.indexOf('|');
		return (bar < 0) ? failure : failure.substring(0, bar);
	}

	static Conflict reauthorizationRequired() {
		return new Conflict("reauthorization_required",
				"Frame.io no longer accepts this device's refresh token; pair the device again");
	}

	/**
	 * Stored tokens that do not decrypt: a key missing from the ring, or a ciphertext that does not
	 * belong to this row and column. Neither a retry nor Frame.io can help, and handing out whatever
	 * the row holds is not an option; the device stays as it is so a restored key brings it back.
	 */
	static Conflict tokensUnreadable() {
		return new Conflict("device_tokens_unreadable",
				"The gateway cannot decrypt the tokens it holds for this device; restore the missing encryption key or pair the device again");
	}

	static DomainException toException(String failure) {
		String stored = (failure != null) ? failure : INTERNAL;
		String code = code(stored);
		String detail = stored.substring(Math.min(stored.length(), code.length() + 1));
		switch (code) {
			case "upstream_rate_limited":
				long seconds;
				try {
					seconds = Long.parseLong(detail);
				}
				catch (NumberFormatException ex) {
					seconds = 1;
				}
				return new UpstreamRateLimited("Frame.io is rate limiting token refreshes", Duration.ofSeconds(seconds));
			case "upstream_error":
				return new UpstreamRefused("Frame.io refused the refresh", detail);
			case "device_tokens_unreadable":
				return tokensUnreadable();
			case "upstream_unavailable":
				return new UpstreamUnavailable("Frame.io did not answer the refresh (" + detail + ")");
			default:
				return new InternalFailure("The gateway failed to refresh the device's tokens");
		}
	}

}
