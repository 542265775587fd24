package io.c2cgateway.polling;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code gateway.pairings.pending}: pending pairings across the cluster, not just this replica's
 * ({@code gateway.poll.tracked}). Every replica reports the same number, so dashboards take the
 * max, not the sum. The count is taken on a timer, never during a scrape: a slow or unreachable
 * database must not make the metrics endpoint hang. While the count cannot be taken the gauge
 * shows NaN rather than a stale number.
 */
class PendingPairingsGauge implements SmartLifecycle {

	static final Duration REFRESH = Duration.ofSeconds(10);

	private static final Logger log = LoggerFactory.getLogger(PendingPairingsGauge.class);

	private final JdbcClient jdbc;

	private volatile double pending = Double.NaN;

	private ScheduledExecutorService timer;

	PendingPairingsGauge(JdbcClient jdbc, MeterRegistry meters) {
		this.jdbc = jdbc;
		Gauge.builder("gateway.pairings.pending", this, (gauge) -> gauge.pending)
			.description("Pending pairings in the whole cluster, counted every " + REFRESH.toSeconds() + " s")
			.register(meters);
	}

	/** Counts now; the timer calls this, tests may too. */
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

	@Override
	public synchronized void start() {
		if (this.timer != null) {
			return;
		}
		this.timer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "pending-pairings-gauge");
			thread.setDaemon(true);
			return thread;
		});
		this.timer.scheduleWithFixedDelay(this::refresh, 0, REFRESH.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Override
	public synchronized void stop() {
		if (this.timer != null) {
			this.timer.shutdownNow();
			this.timer = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.timer != null;
	}

}
