package io.c2cgateway.frameio;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import io.c2cgateway.support.DuringDrain;

import static org.assertj.core.api.Assertions.assertThat;

/** The rate budget's thread, without a database: polls in flight at shutdown still need it. */
class RateBudgetSchedulerTests {

	@Test
	void budgetWorkStillRunsWhileInFlightPollsDrainAtShutdown() {
		AtomicReference<String> ranOn = new AtomicReference<>();
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.registerBean("frameioRateBudgetScheduler", ThreadPoolTaskScheduler.class,
					() -> new FrameioConfiguration().frameioRateBudgetScheduler(new ThreadPoolTaskSchedulerBuilder()));
			context.registerBean(DuringDrain.class, () -> new DuringDrain(() -> {
				ThreadPoolTaskScheduler budget = context.getBean("frameioRateBudgetScheduler",
						ThreadPoolTaskScheduler.class);
				ranOn.set(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(), budget)
					.orTimeout(5, TimeUnit.SECONDS)
					.join());
			}));
			context.refresh();
		}
		assertThat(ranOn.get()).startsWith("frameio-rate-budget-");
	}

}
