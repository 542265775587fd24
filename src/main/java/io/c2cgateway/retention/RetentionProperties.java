package io.c2cgateway.retention;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Pruning of old rows.
 *
 * @param enabled whether this replica prunes in the background (tests drive it by hand)
 * @param every how often the pruning runs, once across all replicas
 * @param pairings how long a finished pairing is kept after it finished
 * @param auditEvents how long an audit event is kept
 * @param batchSize rows deleted per statement, so no delete holds locks for long
 */
@ConfigurationProperties("gateway.retention")
public record RetentionProperties(@DefaultValue("true") boolean enabled, @DefaultValue("1h") Duration every,
		@DefaultValue("30d") Duration pairings, @DefaultValue("90d") Duration auditEvents,
		@DefaultValue("1000") int batchSize) {
}
