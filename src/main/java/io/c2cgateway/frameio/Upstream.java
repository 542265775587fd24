package io.c2cgateway.frameio;

import java.time.Duration;

/** What one call to Frame.io came to. */
public sealed interface Upstream<T> {

	/** A 2xx with a usable body. */
	record Ok<T>(T value) implements Upstream<T> {
	}

	/** Frame.io answered and refused: an OAuth error code, or {@code http_<status>} when it gave none. */
	record Rejected<T>(int status, String error) implements Upstream<T> {
	}

	/**
	 * 429: Frame.io asks us to slow down; {@code retryAfter} may be null, and so may {@code error},
	 * the OAuth error code the answer carried ({@code slow_down} raises a poll's interval).
	 */
	record RateLimited<T>(Duration retryAfter, String error) implements Upstream<T> {

		public RateLimited(Duration retryAfter) {
			this(retryAfter, null);
		}

		public boolean slowDown() {
			return "slow_down".equals(this.error);
		}

	}

	/** A 2xx token answer without a usable {@code access_token} and {@code refresh_token} (contract 1.2). */
	String INVALID_TOKEN_RESPONSE = "invalid_token_response";

	/**
	 * Whether Frame.io said yes with an answer that cannot be used (a {@link Rejected} with a 2xx
	 * status): whatever the request was to spend, a device code or a refresh token, may be spent.
	 */
	static boolean isUnusableAnswer(Upstream<?> answer) {
		return answer instanceof Rejected<?> rejected && rejected.status() >= 200 && rejected.status() < 300;
	}

	/** Error codes made up from the status when the answer carried no OAuth or Frame.io error. */
	static boolean isStatusOnly(String error) {
		return error != null && error.startsWith("http_");
	}

	/** No answer we can use: timeout, connection failure, 5xx. {@code retryAfter} may be null. */
	record Unavailable<T>(String reason, Duration retryAfter) implements Upstream<T> {
	}

}
