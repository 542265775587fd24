package io.c2cgateway.webhook;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.c2cgateway.system.InvalidConfigurationException;

/**
 * Webhook delivery.
 *
 * @param enabled whether this replica delivers in the background (tests drive it by hand)
 * @param allowHttp {@code GATEWAY_WEBHOOKS_ALLOW_HTTP}: accept {@code http} targets, not only {@code https}
 * @param allowPrivate {@code GATEWAY_WEBHOOKS_ALLOW_PRIVATE}: accept loopback, link-local, private,
 * unique-local, CGNAT and multicast targets
 * @param every how often a replica looks for due deliveries
 * @param timeout the contract's success window: a 2xx within this, from connecting to the status line
 * @param connectTimeout the longest a connection attempt may take (within {@code timeout})
 * @param maxConcurrent deliveries in flight on one replica at most
 * @param batchSize deliveries claimed in one statement at most
 * @param backoffBase wait after the first failed attempt; doubles per attempt, with jitter
 * @param backoffCap the longest wait between two attempts
 * @param giveUpAfter how long a delivery is retried before it is {@code FAILED}
 * @param secretOverlap how long a rotated-out secret keeps signing
 * @param keepFinished how long DELIVERED and FAILED deliveries stay listed before they are deleted
 */
@ConfigurationProperties("gateway.webhooks")
public record WebhookProperties(@DefaultValue("true") boolean enabled, @DefaultValue("false") boolean allowHttp,
		@DefaultValue("false") boolean allowPrivate, @DefaultValue("500ms") Duration every,
		@DefaultValue("10s") Duration timeout, @DefaultValue("5s") Duration connectTimeout,
		@DefaultValue("64") int maxConcurrent, @DefaultValue("100") int batchSize,
		@DefaultValue("5s") Duration backoffBase, @DefaultValue("1h") Duration backoffCap,
		@DefaultValue("24h") Duration giveUpAfter, @DefaultValue("24h") Duration secretOverlap,
		@DefaultValue("30d") Duration keepFinished) {

	public WebhookProperties {
		if (!positive(every) || !positive(timeout) || !positive(connectTimeout) || !positive(backoffBase)
				|| !positive(backoffCap) || !positive(giveUpAfter) || secretOverlap == null
				|| secretOverlap.isNegative() || backoffCap.compareTo(backoffBase) < 0) {
			throw new InvalidConfigurationException("gateway.webhooks is malformed: every, timeout, connect-timeout, "
					+ "backoff-base, backoff-cap and give-up-after must be positive, backoff-cap at least backoff-base");
		}
		if (!positive(keepFinished)) {
			throw new InvalidConfigurationException("gateway.webhooks.keep-finished is malformed: it must be positive");
		}
		if (maxConcurrent < 1 || batchSize < 1) {
			throw new InvalidConfigurationException(
					"gateway.webhooks is malformed: max-concurrent and batch-size must be at least 1");
		}
	}

	/**
	 * How long a claimed delivery stays claimed: longer than one attempt can take, so a live replica
	 * never loses its delivery to another, short enough that a dead replica's is sent again soon.
	 */
	Duration leaseTtl() {
		return this.timeout.plus(this.connectTimeout).plusSeconds(5);
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

}
