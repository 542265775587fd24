package io.c2cgateway.idempotency;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import io.c2cgateway.system.DatabaseCountGauge;

/**
 * {@code gateway.idempotency.keys}: Idempotency-Key records stored in the whole cluster. A table
 * that grows without bound is how a misbehaving station would show.
 */
@Component
class IdempotencyKeysGauge {

	static final long REFRESH_SECONDS = 60;

	private final DatabaseCountGauge gauge;

	IdempotencyKeysGauge(JdbcClient jdbc, MeterRegistry meters) {
		this.gauge = new DatabaseCountGauge(jdbc, meters, "gateway.idempotency.keys",
				"Idempotency-Key records stored in the whole cluster, counted every " + REFRESH_SECONDS + " s",
				"select count(*) from idempotency_key");
	}

	@Scheduled(fixedDelay = REFRESH_SECONDS, timeUnit = TimeUnit.SECONDS)
	void refresh() {
		this.gauge.refresh();
	}

}
