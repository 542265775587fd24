package io.c2cgateway.pairing;

import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;

import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import io.c2cgateway.crypto.SealedColumn;
import io.c2cgateway.system.ClusterJob;

@Configuration(proxyBeanMethods = false)
class PairingConfiguration {

	@Bean
	SealedColumn pairingDeviceCode() {
		return new SealedColumn("pairing", "device_code_enc", "id", "device_code");
	}

	@Bean
	SealedColumn pairingUserCode() {
		return new SealedColumn("pairing", "user_code", "id", PairingStore.USER_CODE, true);
	}

	@Bean
	SealedColumn pairingVerificationUriComplete() {
		return new SealedColumn("pairing", "verification_uri_complete", "id", PairingStore.VERIFICATION_URI_COMPLETE, true);
	}

	@Bean
	ClusterJob frameioDeviceLookupJob(FrameioDeviceLookups lookups) {
		return lookups.job();
	}

	/**
	 * Runs the items of every batch on this replica: at most four batches' worth of items at once,
	 * beyond that the request's own thread runs its next item, which slows that batch rather than
	 * queueing it behind the others. It keeps taking items until it is destroyed, after the web
	 * server's graceful shutdown, so batches still running then finish. Not a default candidate:
	 * Boot's own {@code applicationTaskExecutor} stays in place for everything else.
	 */
	@Bean(defaultCandidate = false)
	ThreadPoolTaskExecutor pairingBatchExecutor(ThreadPoolTaskExecutorBuilder builder,
			PairingProperties properties) {
		ThreadPoolTaskExecutor executor = builder.corePoolSize(0)
			.maxPoolSize(properties.batchConcurrency() * 4)
			.queueCapacity(0)
			.keepAlive(Duration.ofSeconds(60))
			.allowCoreThreadTimeOut(false)
			.acceptTasksAfterContextClose(true)
			.awaitTermination(false)
			.awaitTerminationPeriod(null)
			.threadNamePrefix("pairing-batch-")
			.build();
		executor.setRejectedExecutionHandler(new ThreadPoolExecutor.CallerRunsPolicy());
		executor.setDaemon(true);
		return executor;
	}

	/**
	 * The change listener's thread, busy for the replica's whole life (a virtual one where virtual
	 * threads are on), and the one its stop finishes on.
	 */
	@Bean(defaultCandidate = false)
	SimpleAsyncTaskExecutor pairingChangeListenerExecutor(SimpleAsyncTaskExecutorBuilder builder) {
		return threadPerTask(builder, "pairing-change-listener-");
	}

	/**
	 * Row reads for the event streams: four at once, since they take their connections from the
	 * pool HTTP requests use. What is queued when the streams stop still runs and finds no streams.
	 */
	@Bean(defaultCandidate = false)
	ThreadPoolTaskExecutor pairingEventsReadExecutor(ThreadPoolTaskExecutorBuilder builder) {
		ThreadPoolTaskExecutor executor = builder.corePoolSize(4)
			.maxPoolSize(4)
			.queueCapacity(Integer.MAX_VALUE)
			.allowCoreThreadTimeOut(false)
			.awaitTermination(true)
			.awaitTerminationPeriod(null)
			.threadNamePrefix("pairing-events-read-")
			.build();
		executor.setDaemon(true);
		return executor;
	}

	/**
	 * The event streams' senders, a thread for each stream while it has something to write. No
	 * concurrency limit, whatever spring.task.execution says: at its limit the executor makes the
	 * caller (a reader, the scheduler) wait, and that would be waiting for slow clients. There are
	 * never more senders than open streams. Not Boot's {@code applicationTaskExecutor} for the same
	 * reason: on platform threads that is a pool of eight, which eight stalled clients would hold.
	 */
	@Bean(defaultCandidate = false)
	SimpleAsyncTaskExecutor pairingEventsSendExecutor(SimpleAsyncTaskExecutorBuilder builder) {
		return threadPerTask(builder, "pairing-events-send-");
	}

	/** A daemon thread for each task, no limit, not waited for when the context closes. */
	private static SimpleAsyncTaskExecutor threadPerTask(SimpleAsyncTaskExecutorBuilder builder, String prefix) {
		SimpleAsyncTaskExecutor executor = builder.threadNamePrefix(prefix)
			.concurrencyLimit(null)
			.taskTerminationTimeout(Duration.ZERO)
			.build();
		executor.setDaemon(true);
		return executor;
	}

}
