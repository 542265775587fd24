package io.c2cgateway.device;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SealedColumn;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.FrameioProperties;
import io.c2cgateway.system.ClusterJob;
import io.c2cgateway.system.InstanceIdentity;

@Configuration(proxyBeanMethods = false)
class DeviceConfiguration {

	@Bean
	SealedColumn deviceAccessToken() {
		return new SealedColumn("device", "access_token_enc", "device_id", "access_token");
	}

	@Bean
	SealedColumn deviceRefreshToken() {
		return new SealedColumn("device", "refresh_token_enc", "device_id", "refresh_token");
	}

	/** Tokens of revoked devices waiting for Frame.io's confirmation; sealed to the revocation job's row. */
	@Bean
	SealedColumn revocationRefreshToken() {
		return new SealedColumn("device_revocation", "refresh_token_enc", "id", "refresh_token");
	}

	@Bean
	SealedColumn revocationAccessToken() {
		return new SealedColumn("device_revocation", "access_token_enc", "id", "access_token");
	}

	/**
	 * Threads for the batches keep-alive and revocations claim: as many as the items in hand (a
	 * batch is at most {@code keep-alive-concurrency} or eight revocations), so no item waits for a
	 * thread while its lease runs. It keeps taking work through the shutdown's drain, and on
	 * destruction interrupts nothing: whatever still runs then outlived the drain deadline, and
	 * another replica takes over once its lease ends.
	 */
	@Bean(defaultCandidate = false)
	ThreadPoolTaskExecutor deviceCustodyExecutor(ThreadPoolTaskExecutorBuilder builder) {
		ThreadPoolTaskExecutor executor = builder.corePoolSize(0)
			.maxPoolSize(Integer.MAX_VALUE)
			.queueCapacity(0)
			.keepAlive(Duration.ofSeconds(60))
			.allowCoreThreadTimeOut(false)
			.acceptTasksAfterContextClose(true)
			.awaitTermination(true)
			.awaitTerminationPeriod(null)
			.threadNamePrefix("device-custody-")
			.build();
		executor.setDaemon(true);
		return executor;
	}

	@Bean
	KeepAlive keepAlive(InstanceIdentity identity, DeviceStore store, TokenRefresher refresher, Clock clock,
			TokenProperties properties, @Qualifier("deviceCustodyExecutor") Executor custody) {
		return new KeepAlive(identity.id(), store, refresher, clock, properties, new Parallel(custody));
	}

	@Bean
	Revocations revocations(InstanceIdentity identity, RevocationStore store, SecretBox box, FrameioClient frameio,
			DeviceModelService models, AuditLog audit, PlatformTransactionManager transactions, Clock clock,
			TokenProperties properties, FrameioProperties frameioProperties, MeterRegistry meters,
			@Qualifier("deviceCustodyExecutor") Executor custody) {
		return new Revocations(identity.id(), store, box, frameio, models, audit, new TransactionTemplate(transactions),
				clock, properties, frameioProperties, meters, new Parallel(custody));
	}

	/**
	 * Keeps idle devices paired, once per {@code keep-alive-every} across the cluster. On shutdown the
	 * refreshes in hand finish (an interrupted one would leave its outcome unknown) and no further
	 * batch is claimed; what is left is due for the next run, on any replica.
	 */
	@Bean
	ClusterJob keepAliveJob(KeepAlive keepAlive, TokenProperties properties) {
		return ClusterJob.every("keep-alive", properties.keepAliveEnabled(), properties.keepAliveEvery(),
				keepAlive::runOnce);
	}

	/**
	 * Retries upstream revocations, once per {@code revocation-retry-every} across the cluster. On
	 * shutdown a job stops between its two upstream calls and is handed back, so a batch in hand costs
	 * one upstream call, not two.
	 */
	@Bean
	ClusterJob revocationRetryJob(Revocations revocations, TokenProperties properties) {
		return ClusterJob.every("revocation-retry", properties.revocationRetryEnabled(),
				properties.revocationRetryEvery(), revocations::runOnce);
	}

}
