package io.c2cgateway.ratelimit;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Inbound rate limits, per API key and per replica: a key may send {@code requests} per
 * {@code per} on average and up to {@code burst} at once.
 *
 * @param enabled whether requests are limited at all
 * @param requests requests refilled per {@code per}
 * @param per the refill period
 * @param burst the most requests a key may send at once (the bucket's capacity)
 * @param keys limits for keys of a given name, instead of the default
 */
@ConfigurationProperties("gateway.rate-limit")
public record RateLimitProperties(@DefaultValue("true") boolean enabled, @DefaultValue("50") long requests,
		@DefaultValue("1s") Duration per, @DefaultValue("100") long burst, Map<String, Limit> keys) {

	public RateLimitProperties {
		keys = (keys != null) ? Map.copyOf(keys) : Map.of();
	}

	Limit defaultLimit() {
		return new Limit(this.requests, this.per, this.burst);
	}

	/** One limit: {@code requests} per {@code per}, {@code burst} at once. */
	public record Limit(long requests, Duration per, long burst) {

		boolean isValid() {
			return this.requests > 0 && this.per != null && !this.per.isNegative() && !this.per.isZero()
					&& this.burst > 0;
		}

	}

}
