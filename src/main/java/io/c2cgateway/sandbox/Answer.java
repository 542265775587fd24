package io.c2cgateway.sandbox;

import java.time.Duration;
import java.util.Map;

/** An HTTP answer of the simulator to send. */
record Answer(int status, Object body, String retryAfter, Duration delay) {

	Answer(int status, Object body, String retryAfter) {
		this(status, body, retryAfter, Duration.ZERO);
	}

	static Answer error(int status, String error) {
		return new Answer(status, Map.of("error", error), null);
	}

}
