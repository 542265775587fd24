package io.c2cgateway.polling;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

import io.c2cgateway.system.DatabaseCountGauge;

/**
 * {@code gateway.pairings.pending}: pending pairings across the cluster, not just this replica's
 * ({@code gateway.poll.tracked}).
 */
class PendingPairingsGauge {

	static final long REFRESH_SECONDS = 10;

	private final DatabaseCountGauge gauge;

	PendingPairingsGauge(JdbcClient jdbc, MeterRegistry meters) {
		// Served by the partial index on pending pairings.
		this.gauge = new DatabaseCountGauge(jdbc, meters, "gateway.pairings.pending",
				"Pending pairings in the whole cluster, counted every " + REFRESH_SECONDS + " s",
				"select count(*) from pairing where status = 'PENDING'");
	}

	@Scheduled(fixedDelay = REFRESH_SECONDS, timeUnit = TimeUnit.SECONDS)
	void refresh() {
		this.gauge.refresh();
	}

}
