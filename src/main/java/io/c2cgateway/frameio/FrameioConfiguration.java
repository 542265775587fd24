package io.c2cgateway.frameio;

import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

@Configuration(proxyBeanMethods = false)
class FrameioConfiguration {

	/**
	 * The rate budget's one thread: it serves waiting calls every few milliseconds, which the shared
	 * scheduler must not be busy with, and reads and writes the shared budget. Calls still go out
	 * while the context closes (polls in flight finish), so it runs until it is destroyed.
	 */
	@Bean(defaultCandidate = false)
	ThreadPoolTaskScheduler frameioRateBudgetScheduler(ThreadPoolTaskSchedulerBuilder builder) {
		return RateBudget.scheduler(builder);
	}

}
