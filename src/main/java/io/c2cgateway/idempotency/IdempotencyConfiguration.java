package io.c2cgateway.idempotency;

import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import io.c2cgateway.crypto.SealedColumn;

@Configuration(proxyBeanMethods = false)
class IdempotencyConfiguration {

	/** Stored answers live a day, but a key may be dropped from the ring sooner than that. */
	@Bean
	SealedColumn idempotencyStoredBody() {
		return new SealedColumn("idempotency_key", "body_enc", "claim", IdempotencyKeys.BODY);
	}

	/**
	 * The heartbeat's own thread: its database call must not hold up the shared scheduler, and it
	 * has to keep beating after the context starts closing, until the requests still running have
	 * ended ({@link IdempotencyKeys#stop()}); Boot's scheduler stops taking work at once.
	 */
	@Bean(defaultCandidate = false)
	ThreadPoolTaskScheduler idempotencyHeartbeatScheduler(ThreadPoolTaskSchedulerBuilder builder) {
		ThreadPoolTaskScheduler scheduler = builder.poolSize(1)
			.awaitTermination(false)
			.awaitTerminationPeriod(null)
			.threadNamePrefix("idempotency-heartbeat-")
			.build();
		scheduler.setAcceptTasksAfterContextClose(true);
		scheduler.setDaemon(true);
		return scheduler;
	}

}
