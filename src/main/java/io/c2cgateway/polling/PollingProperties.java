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
 * @param database the engine's own connection pool
 * @param maxClockSkew the most this replica's clock may differ from the database's (judged every 30 s)
 * before it stops claiming pairings and reports not ready: the schedules it writes and reads are
 * shared with other replicas; {@code 0} turns the check off
 */
@ConfigurationProperties("gateway.polling")
public record PollingProperties(@DefaultValue("true") boolean enabled, @DefaultValue("15s") Duration leaseTtl,
		@DefaultValue("50ms") Duration tick, @DefaultValue("1s") Duration claimEvery,
		@DefaultValue("10s") Duration claimLookahead, @DefaultValue("500") int claimBatchSize,
		@DefaultValue("256") int maxConcurrentPolls, @DefaultValue("60s") Duration backoffCap,
		@DefaultValue("500") int writeBatchSize, @DefaultValue("0.1") double shareMargin,
		@DefaultValue("100000") int maxHeld, @DefaultValue Database database,
		@DefaultValue("2s") Duration maxClockSkew) {

	/**
	 * The engine's own pool, apart from the one HTTP traffic shares: heartbeats, claims and schedule
	 * writes. Its timeouts add up to less than the lease, so a hung socket or a lost database ends a
	 * heartbeat attempt before the lease runs out instead of freezing the engine past it.
	 *
	 * @param poolSize connections: the engine's thread, its gauge and a spare
	 * @param connectionTimeout longest wait for a connection (also the connect timeout)
	 * @param statementTimeout longest a statement may run on the server
	 * @param socketTimeout longest wait for the server to answer on an open connection
	 */
	public record Database(@DefaultValue("3") int poolSize, @DefaultValue("2s") Duration connectionTimeout,
			@DefaultValue("5s") Duration statementTimeout, @DefaultValue("8s") Duration socketTimeout) {
	}

}
