package io.c2cgateway.pairing;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import io.c2cgateway.ratelimit.RateLimitCharges;
import io.c2cgateway.security.Caller;
import io.c2cgateway.security.Role;
import io.c2cgateway.support.DuringDrain;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** The batch's upstream budget, without a server: how many items run at once, and until when. */
class PairingBatchConcurrencyTests {

	private final ValidatorFactory validation = Validation.buildDefaultValidatorFactory();

	@AfterEach
	void close() {
		this.validation.close();
	}

	@Test
	void batchWhenItemsSlowThenAtMostConcurrencyRunAtOnceAndAllOfThemDo() throws Exception {
		int concurrency = 3;
		PairingService service = mock(PairingService.class);
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		// Each round of items only proceeds once `concurrency` of them run together.
		CyclicBarrier together = new CyclicBarrier(concurrency);
		when(service.start(any(), any())).thenAnswer((invocation) -> {
			most.accumulateAndGet(running.incrementAndGet(), Math::max);
			try {
				together.await(10, TimeUnit.SECONDS);
			}
			finally {
				running.decrementAndGet();
			}
			return new PairingService.Started(null, true);
		});
		PairingProperties properties = new PairingProperties(concurrency, Duration.ofSeconds(10),
				Duration.ofSeconds(10), 20, Duration.ofSeconds(2));
		ThreadPoolTaskExecutor workers = new PairingConfiguration()
			.pairingBatchExecutor(new ThreadPoolTaskExecutorBuilder(), properties);
		workers.initialize();
		PairingBatch batch = new PairingBatch(service, JsonMapper.builder().build(), this.validation.getValidator(),
				properties, mock(RateLimitCharges.class), workers);
		try {
			StringBuilder body = new StringBuilder("{\"items\": [");
			for (int i = 0; i < 9; i++) {
				body.append((i > 0) ? "," : "").append("{\"deviceId\": \"SN-").append(i).append("\", \"model\": \"cam\"}");
			}
			PairingBatch.Results results = batch.start(JsonMapper.builder().build().readTree(body.append("]}").toString()),
					new Caller(UUID.randomUUID(), "station", Role.STATION, null));

			assertThat(results.results()).hasSize(9).allSatisfy((result) -> assertThat(result.created()).isTrue());
			assertThat(most.get()).isEqualTo(concurrency);
		}
		finally {
			workers.shutdown();
		}
	}

	@Test
	void batchItemsStillRunWhileTheWebServerDrainsRequestsAtShutdown() {
		AtomicReference<String> ranOn = new AtomicReference<>();
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			PairingProperties properties = new PairingProperties(2, Duration.ofSeconds(10), Duration.ofSeconds(10), 20,
					Duration.ofSeconds(2));
			context.registerBean("pairingBatchExecutor", ThreadPoolTaskExecutor.class,
					() -> new PairingConfiguration().pairingBatchExecutor(new ThreadPoolTaskExecutorBuilder(), properties));
			// A request still running in the drain phase hands an item to the pool.
			context.registerBean(DuringDrain.class, () -> new DuringDrain(() -> {
				Executor workers = context.getBean("pairingBatchExecutor", Executor.class);
				ranOn.set(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(), workers)
					.orTimeout(5, TimeUnit.SECONDS)
					.join());
			}));
			context.refresh();
		}
		assertThat(ranOn.get()).startsWith("pairing-batch-");
	}

}
