package io.c2cgateway.webhook;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SealedColumn;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.system.InstanceIdentity;
import io.c2cgateway.system.ShutdownBudget;

@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

	@Bean
	SealedColumn webhookSecret() {
		return new SealedColumn(WebhookStore.TABLE, "secret_enc", "id", WebhookStore.SECRET);
	}

	@Bean
	SealedColumn webhookPreviousSecret() {
		return new SealedColumn(WebhookStore.TABLE, "previous_secret_enc", "id", WebhookStore.PREVIOUS_SECRET);
	}

	@Bean
	WebhookStore webhookStore(JdbcClient jdbc) {
		return new WebhookStore(jdbc);
	}

	@Bean
	TargetPolicy webhookTargetPolicy(WebhookProperties properties) {
		return TargetPolicy.of(properties);
	}

	@Bean
	WebhookService webhookService(WebhookStore store, SecretBox box, AuditLog audit,
			PlatformTransactionManager transactions, Clock clock, TargetPolicy policy, WebhookProperties properties) {
		return new WebhookService(store, box, audit, new TransactionTemplate(transactions), clock, policy, properties);
	}

	@Bean
	DeliveryWorker webhookDeliveryWorker(InstanceIdentity identity, WebhookStore store, TargetPolicy policy,
			SecretBox box, Clock clock, WebhookProperties properties, MeterRegistry meters, ShutdownBudget shutdown,
			TaskScheduler scheduler) {
		return new DeliveryWorker(identity.id(), store, new WebhookSender(policy, properties), box, clock, properties,
				meters, shutdown, scheduler);
	}

}
