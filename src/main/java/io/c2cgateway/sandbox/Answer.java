package io.c2cgateway.sandbox;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP answer of the simulator to send; {@code headers} are sent as they are. */
record Answer(int status, Object body, String retryAfter, Duration delay, Map<String, String> headers) {

	Answer(int status, Object body, String retryAfter, Duration delay) {
		this(status, body, retryAfter, delay, Map.of());
	}

	Answer(int status, Object body, String retryAfter) {
		this(status, body, retryAfter, Duration.ZERO);
	}

	static Answer error(int status, String error) {
		return new Answer(status, Map.of("error", error), null);
	}

	Answer withHeaders(Map<String, String> more) {
		Map<String, String> all = new LinkedHashMap<>(this.headers);
		all.putAll(more);
		return new Answer(this.status, this.body, this.retryAfter, this.delay, Map.copyOf(all));
	}

}
