package io.c2cgateway.system;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShutdownBudgetTests {

	@Test
	void deadlinesCountFromTheStartOfTheShutdown() throws Exception {
		ShutdownBudget budget = new ShutdownBudget(Duration.ofSeconds(25), Duration.ofSeconds(20));
		assertThat(budget.started()).isFalse();
		budget.start();
		long started = System.nanoTime();
		Thread.sleep(200);
		budget.start();

		assertThat(budget.started()).isTrue();
		assertThat(Duration.ofNanos(budget.drainDeadline() - started)).as("budget less 5 s, from the first start")
			.isBetween(Duration.ofMillis(19_900), Duration.ofSeconds(20));
		assertThat(Duration.ofNanos(budget.finalWritesDeadline() - started)).isBetween(Duration.ofMillis(21_900),
				Duration.ofSeconds(22));
		assertThat(ShutdownBudget.until(System.nanoTime() - 1)).isZero();
	}

	@Test
	void aBudgetNotStartedCountsFromNow() {
		ShutdownBudget budget = ShutdownBudget.standalone();
		long now = System.nanoTime();
		assertThat(Duration.ofNanos(budget.drainDeadline() - now)).isBetween(Duration.ofMillis(19_900),
				Duration.ofMillis(20_100));
		assertThat(budget.started()).as("asking for a deadline starts nothing").isFalse();
	}

	@Test
	void theDrainPhaseMustBeWaitedForToItsDeadline() {
		assertThatThrownBy(() -> new ShutdownBudget(Duration.ofSeconds(25), Duration.ofSeconds(15)))
			.isInstanceOf(InvalidConfigurationException.class)
			.hasMessageContaining("gateway.shutdown.budget")
			.hasMessageContaining("spring.lifecycle.timeout-per-shutdown-phase")
			.hasMessageNotContaining("25");
		assertThatThrownBy(() -> new ShutdownBudget(Duration.ofSeconds(5), Duration.ofSeconds(20)))
			.isInstanceOf(InvalidConfigurationException.class);
	}

}
