package io.c2cgateway.system;

import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

@Configuration(proxyBeanMethods = false)
class HealthConfiguration {

	/**
	 * The one thread {@link DatabaseHealth} checks on, so a probe can stop waiting at its deadline.
	 * It keeps answering probes while the context closes, until it is destroyed.
	 */
	@Bean(defaultCandidate = false)
	ThreadPoolTaskExecutor databaseHealthExecutor(ThreadPoolTaskExecutorBuilder builder) {
		ThreadPoolTaskExecutor executor = builder.corePoolSize(1)
			.maxPoolSize(1)
			.queueCapacity(Integer.MAX_VALUE)
			.allowCoreThreadTimeOut(false)
			.acceptTasksAfterContextClose(true)
			.awaitTermination(false)
			.awaitTerminationPeriod(null)
			.threadNamePrefix("db-health-")
			.build();
		executor.setDaemon(true);
		return executor;
	}

}
