package io.c2cgateway.frameio;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The fleet's rate budget at Frame.io. {@code maxRate}: calls per second of all replicas together
 * ({@code GATEWAY_FRAMEIO_MAX_RATE}, 0 = no cap). {@code maxWait}: how long a call waits for a pause
 * to end or for a token of the cap before it is answered as rate limited without being sent.
 * {@code syncInterval}: how often a replica reads the pauses the others recorded.
 */
@ConfigurationProperties("gateway.frameio")
record RateBudgetProperties(@DefaultValue("0") double maxRate, @DefaultValue("2s") Duration maxWait,
		@DefaultValue("1s") Duration syncInterval, @DefaultValue("60s") Duration maxPause) {

	static RateBudgetProperties defaults() {
		return new RateBudgetProperties(0, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(60));
	}

}
