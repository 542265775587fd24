package io.c2cgateway.idempotency;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import io.c2cgateway.support.DuringDrain;

import static org.assertj.core.api.Assertions.assertThat;

/** The heartbeat's scheduler, without a database: it must outlast the requests whose claims it refreshes. */
class IdempotencyHeartbeatTests {

	@Test
	void heartbeatsStillRunWhileTheWebServerDrainsRequestsAtShutdown() {
		AtomicReference<String> ranOn = new AtomicReference<>();
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.registerBean("idempotencyHeartbeatScheduler", ThreadPoolTaskScheduler.class,
					() -> new IdempotencyConfiguration().idempotencyHeartbeatScheduler(new ThreadPoolTaskSchedulerBuilder()));
			context.registerBean(DuringDrain.class, () -> new DuringDrain(() -> {
				TaskScheduler heartbeats = context.getBean("idempotencyHeartbeatScheduler", TaskScheduler.class);
				CompletableFuture<String> beat = new CompletableFuture<>();
				heartbeats.schedule(() -> beat.complete(Thread.currentThread().getName()), Instant.now());
				ranOn.set(beat.orTimeout(5, TimeUnit.SECONDS).join());
			}));
			context.refresh();
		}
		assertThat(ranOn.get()).startsWith("idempotency-heartbeat-");
	}

}
