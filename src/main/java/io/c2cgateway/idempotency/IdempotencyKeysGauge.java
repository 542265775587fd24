package io.c2cgateway.idempotency;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * How many Idempotency-Key records the store holds, cluster-wide: a table that grows without bound
 * is how a misbehaving station would show. Counted every minute, not on every scrape.
 */
@Component
class IdempotencyKeysGauge {

	private static final Logger log = LoggerFactory.getLogger(IdempotencyKeysGauge.class);

	static final long REFRESH_SECONDS = 60;

	private final JdbcClient jdbc;

	private volatile double stored = Double.NaN;

	IdempotencyKeysGauge(JdbcClient jdbc, MeterRegistry meters) {
		this.jdbc = jdbc;
		Gauge.builder("gateway.idempotency.keys", this, (gauge) -> gauge.stored)
			.description("Idempotency-Key records stored in the whole cluster, counted every " + REFRESH_SECONDS + " s")
			.register(meters);
	}

	@Scheduled(fixedDelay = REFRESH_SECONDS, timeUnit = TimeUnit.SECONDS)
	void refresh() {
		try {
			this.stored = this.jdbc.sql("select count(*) from idempotency_key").query(Long.class).single();
		}
		catch (RuntimeException ex) {
			this.stored = Double.NaN;
			log.debug("Counting idempotency keys failed: {}", ex.getClass().getSimpleName());
		}
	}

}
