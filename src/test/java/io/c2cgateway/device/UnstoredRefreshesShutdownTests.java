package io.c2cgateway.device;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessResourceFailureException;

import io.c2cgateway.system.ShutdownBudget;

import static org.assertj.core.api.Assertions.assertThat;

/** What becomes of refreshed pairs the database has not taken yet when the gateway shuts down. */
class UnstoredRefreshesShutdownTests {

	@Test
	void stopKeepsTryingAKeptPairUntilTheDatabaseTakesIt() {
		ShutdownBudget budget = ShutdownBudget.standalone();
		UnstoredRefreshes unstored = new UnstoredRefreshes(new SimpleMeterRegistry(), budget);
		unstored.start();
		AtomicInteger attempts = new AtomicInteger();
		long databaseBackAt = System.nanoTime() + Duration.ofMillis(800).toNanos();
		assertThat(unstored.keep("SN-1", () -> {
			attempts.incrementAndGet();
			if (System.nanoTime() < databaseBackAt) {
				throw new DataAccessResourceFailureException("database unreachable");
			}
		})).isTrue();

		budget.start();
		unstored.stop();

		assertThat(unstored.size()).isZero();
		assertThat(attempts.get()).as("tried until the database took it").isGreaterThan(1);
		assertThat(unstored.isRunning()).isFalse();
	}

	@Test
	void stopGivesUpAtTheBudgetsLastWritesDeadlineAndKeepsNothingAfter() {
		// A 6 s budget: the last writes end 3 s after the stop.
		ShutdownBudget budget = ShutdownBudget.standalone(Duration.ofSeconds(6));
		UnstoredRefreshes unstored = new UnstoredRefreshes(new SimpleMeterRegistry(), budget);
		unstored.start();
		unstored.keep("SN-2", () -> {
			throw new DataAccessResourceFailureException("database unreachable");
		});

		long stopping = System.nanoTime();
		budget.start();
		unstored.stop();
		Duration took = Duration.ofNanos(System.nanoTime() - stopping);

		assertThat(took).isBetween(Duration.ofMillis(2_500), Duration.ofMillis(4_500));
		assertThat(unstored.size()).as("lost, and logged at ERROR").isZero();
		assertThat(unstored.keep("SN-3", () -> {
		})).as("nothing is kept once the last try is over").isFalse();
	}

	@Test
	void stopOutsideAShutdownTriesOnceAndStartingAgainKeepsPairsAgain() {
		UnstoredRefreshes unstored = new UnstoredRefreshes(new SimpleMeterRegistry(), ShutdownBudget.standalone());
		unstored.start();
		AtomicInteger attempts = new AtomicInteger();
		unstored.keep("SN-4", () -> {
			attempts.incrementAndGet();
			throw new DataAccessResourceFailureException("database unreachable");
		});

		unstored.stop();
		assertThat(attempts.get()).isEqualTo(1);
		assertThat(unstored.size()).isZero();
		unstored.start();
		assertThat(unstored.keep("SN-5", () -> {
		})).isTrue();
	}

}
