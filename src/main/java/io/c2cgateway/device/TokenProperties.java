package io.c2cgateway.device;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Token custody.
 *
 * @param minValidity least remaining life of a handed-out access token; below it, one refresh happens
 * @param keepAliveAfter refresh idle devices whose refresh token is older than this, well before
 * Frame.io's 14-day horizon
 * @param keepAliveEnabled whether this replica runs keep-alive in the background (tests drive it by hand)
 * @param keepAliveEvery how often keep-alive looks for due devices
 * @param keepAliveRetryAfter how long keep-alive leaves a device alone after a refresh of it failed
 * @param keepAliveConcurrency refreshes keep-alive runs at once on one replica
 * @param refreshLeaseMargin added to the upstream timeout to make the refresh lease: the lease must
 * outlive the slowest call plus the write, or a second refresher could spend the same token
 * @param revocationRetryEnabled whether this replica retries pending upstream revocations in the background
 * @param revocationRetryEvery how often the revocation retry looks for due work
 * @param revocationBackoffBase wait after the first failed upstream revocation; doubles per failure
 * @param revocationBackoffCap the longest wait between upstream revocation attempts
 */
@ConfigurationProperties("gateway.tokens")
record TokenProperties(@DefaultValue("10m") Duration minValidity, @DefaultValue("7d") Duration keepAliveAfter,
		@DefaultValue("true") boolean keepAliveEnabled, @DefaultValue("1m") Duration keepAliveEvery,
		@DefaultValue("15m") Duration keepAliveRetryAfter, @DefaultValue("8") int keepAliveConcurrency,
		@DefaultValue("5s") Duration refreshLeaseMargin, @DefaultValue("true") boolean revocationRetryEnabled,
		@DefaultValue("5s") Duration revocationRetryEvery, @DefaultValue("5s") Duration revocationBackoffBase,
		@DefaultValue("1h") Duration revocationBackoffCap) {
}
