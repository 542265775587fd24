package io.c2cgateway.system;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A gauge of a cluster-wide count, taken by {@link #refresh()} on a timer, never during a scrape:
 * a slow or unreachable database must not make the metrics endpoint hang. While the count cannot
 * be taken it shows NaN rather than a stale number. Every replica reports the same number, so
 * dashboards take the max, not the sum.
 */
public final class DatabaseCountGauge {

	private static final Logger log = LoggerFactory.getLogger(DatabaseCountGauge.class);

	private final JdbcClient jdbc;

	private final String countSql;

	private volatile double count = Double.NaN;

	public DatabaseCountGauge(JdbcClient jdbc, MeterRegistry meters, String name, String description,
			String countSql) {
		this.jdbc = jdbc;
		this.countSql = countSql;
		Gauge.builder(name, this, (gauge) -> gauge.count).description(description).register(meters);
	}

	public void refresh() {
		try {
			this.count = this.jdbc.sql(this.countSql).query(Long.class).single();
		}
		catch (RuntimeException ex) {
			this.count = Double.NaN;
			log.debug("Counting for a gauge failed: {}", ex.getClass().getSimpleName());
		}
	}

}
