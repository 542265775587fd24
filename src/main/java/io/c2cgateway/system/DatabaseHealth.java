package io.c2cgateway.system;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code db} check of readiness, answered within a deadline. Boot's own check waits for a
 * pool connection as long as the pool's connection timeout, and a probe that hangs is a probe that
 * Kubernetes counts as failed only after its own timeout: the contract wants a 503 within 2 s while
 * PostgreSQL is unreachable. One check runs at a time; a probe arriving while the previous check
 * still waits is answered DOWN at once rather than queueing another blocked thread.
 */
@Component("dbHealthIndicator")
class DatabaseHealth implements HealthIndicator {

	static final Duration DEADLINE = Duration.ofMillis(1500);

	private final JdbcTemplate jdbc;

	private final AsyncTaskExecutor checker;

	private Future<Integer> running;

	DatabaseHealth(JdbcTemplate jdbc, @Qualifier("databaseHealthExecutor") AsyncTaskExecutor checker) {
		this.jdbc = jdbc;
		this.checker = checker;
	}

	@Override
	public Health health() {
		Future<Integer> check;
		synchronized (this) {
			if (this.running != null && !this.running.isDone()) {
				return Health.down().withDetail("error", "the previous check is still waiting for the database").build();
			}
			check = this.checker.submit(() -> this.jdbc.queryForObject("select 1", Integer.class));
			this.running = check;
		}
		try {
			check.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
			return Health.up().withDetail("database", "PostgreSQL").build();
		}
		catch (TimeoutException ex) {
			return Health.down().withDetail("error", "no answer within " + DEADLINE.toMillis() + " ms").build();
		}
		catch (ExecutionException ex) {
			return Health.down().withDetail("error", ex.getCause().getClass().getSimpleName()).build();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Health.down().withDetail("error", "interrupted").build();
		}
	}

}
