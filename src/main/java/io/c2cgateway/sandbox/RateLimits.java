package io.c2cgateway.sandbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Frame.io's rate limits as its platform pages describe them: per user (here: per client secret,
 * which is per device model) and per endpoint, with {@code x-ratelimit-limit},
 * {@code x-ratelimit-remaining} and {@code x-ratelimit-window} (milliseconds) on every answer and a
 * 429 once the window's calls are spent. Off until a test or a person sets a limit. Windows are
 * fixed and in domain time, so tests move through them with the clock.
 */
final class RateLimits {

	private final Clock clock;

	private final Map<String, Limit> limits = new HashMap<>();

	private final Map<String, Window> windows = new HashMap<>();

	RateLimits(Clock clock) {
		this.clock = clock;
	}

	/** At most {@code calls} per {@code window} to {@code endpoint} ({@code device_code}, {@code token}, {@code revoke}). */
	void limit(String endpoint, int calls, Duration window) {
		this.limits.put(endpoint, new Limit(calls, window));
	}

	void clear() {
		this.limits.clear();
		this.windows.clear();
	}

	/** Counts one call; null when no limit is set, else the headers and whether it is over the limit. */
	Charge charge(String endpoint, String clientSecret) {
		Limit limit = this.limits.get(endpoint);
		if (limit == null) {
			return null;
		}
		Instant now = this.clock.instant();
		Window window = this.windows.compute(endpoint + ' ' + clientSecret,
				(key, current) -> (current == null || !now.isBefore(current.end)) ? new Window(now.plus(limit.window()), 0)
						: current);
		window.used++;
		long remaining = Math.max(0, limit.calls() - window.used);
		Map<String, String> headers = Map.of("x-ratelimit-limit", String.valueOf(limit.calls()), "x-ratelimit-remaining",
				String.valueOf(remaining), "x-ratelimit-window", String.valueOf(limit.window().toMillis()));
		return new Charge(window.used > limit.calls(), headers);
	}

	/** Frame.io's detailed error envelope for a 429. */
	static Answer tooMany(Map<String, String> headers) {
		return new Answer(429, Map.of("code", 429, "errors",
				List.of(Map.of("code", 429, "detail", "Rate limit exceeded", "status", 429, "title",
						"Too Many Requests")),
				"message", "Too Many Requests"), null).withHeaders(headers);
	}

	record Charge(boolean exceeded, Map<String, String> headers) {
	}

	private record Limit(int calls, Duration window) {
	}

	private static final class Window {

		final Instant end;

		int used;

		Window(Instant end, int used) {
			this.end = end;
			this.used = used;
		}

	}

}
