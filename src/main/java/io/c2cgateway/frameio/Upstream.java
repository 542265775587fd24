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

	/** 429: Frame.io asks us to slow down; {@code retryAfter} may be null. */
	record RateLimited<T>(Duration retryAfter) implements Upstream<T> {
	}

	/** No answer we can use: timeout, connection failure, 5xx. {@code retryAfter} may be null. */
	record Unavailable<T>(String reason, Duration retryAfter) implements Upstream<T> {
	}

}
