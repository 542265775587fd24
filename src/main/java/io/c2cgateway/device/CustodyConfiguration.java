package io.c2cgateway.device;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.FrameioProperties;
import io.c2cgateway.system.InstanceIdentity;

@Configuration(proxyBeanMethods = false)
class CustodyConfiguration {

	@Bean
	KeepAlive keepAlive(InstanceIdentity identity, DeviceStore store, TokenRefresher refresher, Clock clock,
			TokenProperties properties) {
		return new KeepAlive(identity.id(), store, refresher, clock, properties);
	}

	@Bean
	Revocations revocations(InstanceIdentity identity, DeviceStore store, SecretBox box, FrameioClient frameio,
			DeviceModelService models, AuditLog audit, PlatformTransactionManager transactions, Clock clock,
			TokenProperties properties, FrameioProperties frameioProperties, MeterRegistry meters) {
		return new Revocations(identity.id(), store, box, frameio, models, audit, new TransactionTemplate(transactions),
				clock, properties, frameioProperties, meters);
	}

	@Bean
	CustodyWorker custodyWorker(KeepAlive keepAlive, Revocations revocations, TokenProperties properties) {
		return new CustodyWorker(keepAlive, revocations, properties);
	}

}
