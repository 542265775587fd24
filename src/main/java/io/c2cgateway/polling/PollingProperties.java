package io.c2cgateway.polling;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The poll engine.
 *
 * @param enabled whether this replica runs the engine in the background (tests drive it by hand)
 * @param leaseTtl how long a replica's claim on its pairings lasts without a heartbeat: a dead
 * replica's pairings are polled again within this plus their interval
 * @param tick how often the engine looks for due polls; bounds poll lateness
 * @param claimEvery how often the engine looks for unowned work when not woken
 * @param claimLookahead how far ahead of its next poll a pairing may be claimed
 * @param claimBatchSize rows per claim statement
 * @param maxConcurrentPolls upstream calls in flight per replica
 * @param backoffCap the longest wait after transient upstream failures
 * @param writeBatchSize results per batched write
 * @param shareMargin how far above its fair share (pending pairings over live replicas) a replica
 * may claim; it hands back what exceeds twice this margin
 * @param maxHeld the most pending pairings one replica holds, whatever its share: what its
 * concurrency can serve
 */
@ConfigurationProperties("gateway.polling")
public record PollingProperties(@DefaultValue("true") boolean enabled, @DefaultValue("15s") Duration leaseTtl,
		@DefaultValue("50ms") Duration tick, @DefaultValue("1s") Duration claimEvery,
		@DefaultValue("10s") Duration claimLookahead, @DefaultValue("500") int claimBatchSize,
		@DefaultValue("256") int maxConcurrentPolls, @DefaultValue("60s") Duration backoffCap,
		@DefaultValue("500") int writeBatchSize, @DefaultValue("0.1") double shareMargin,
		@DefaultValue("100000") int maxHeld) {
}
