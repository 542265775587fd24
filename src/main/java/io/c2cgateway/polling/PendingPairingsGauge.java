package io.c2cgateway.polling;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * {@code gateway.pairings.pending}: pending pairings across the cluster, not just this replica's
 * ({@code gateway.poll.tracked}). Every replica reports the same number, so dashboards take the
 * max, not the sum. The count is taken on a timer, never during a scrape: a slow or unreachable
 * database must not make the metrics endpoint hang. While the count cannot be taken the gauge
 * shows NaN rather than a stale number.
 */
class PendingPairingsGauge {

	static final long REFRESH_SECONDS = 10;

	private static final Logger log = LoggerFactory.getLogger(PendingPairingsGauge.class);

	private final JdbcClient jdbc;

	private volatile double pending = Double.NaN;

	PendingPairingsGauge(JdbcClient jdbc, MeterRegistry meters) {
		this.jdbc = jdbc;
		Gauge.builder("gateway.pairings.pending", this, (gauge) -> gauge.pending)
			.description("Pending pairings in the whole cluster, counted every " + REFRESH_SECONDS + " s")
			.register(meters);
	}

	@Scheduled(fixedDelay = REFRESH_SECONDS, timeUnit = TimeUnit.SECONDS)
	void refresh() {
		try {
			// Served by the partial index on pending pairings.
			this.pending = this.jdbc.sql("select count(*) from pairing where status = 'PENDING'")
				.query(Long.class)
				.single();
		}
		catch (RuntimeException ex) {
			this.pending = Double.NaN;
			log.debug("Counting pending pairings failed: {}", ex.getClass().getSimpleName());
		}
	}

}
