package io.c2cgateway.polling;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.DeviceCustody;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.pairing.PairingTransitions;
import io.c2cgateway.system.InstanceIdentity;
import io.c2cgateway.system.ShutdownBudget;

@Configuration(proxyBeanMethods = false)
class PollingConfiguration {

	@Bean(destroyMethod = "close")
	EngineDatabase engineDatabase(JdbcConnectionDetails database, PollingProperties properties, MeterRegistry meters) {
		return new EngineDatabase(database, properties.database(), meters);
	}

	/** Also readiness's {@code clockSkew} check; measured on the engine's pool, as the leases are. */
	@Bean
	ClockSkew clockSkewHealthIndicator(EngineDatabase engineDatabase, Clock clock, PollingProperties properties,
			MeterRegistry meters) {
		return new ClockSkew(engineDatabase.jdbc(), clock, properties.maxClockSkew(), meters);
	}

	@Bean
	PollEngine pollEngine(InstanceIdentity identity, EngineDatabase engineDatabase, JdbcTemplate jdbc,
			FrameioClient frameio, DeviceModelService models, SecretBox box, DeviceCustody custody, AuditLog audit,
			PlatformTransactionManager transactions, Clock clock, PollingProperties properties, MeterRegistry meters,
			ShutdownBudget shutdown, ClockSkew clockSkew, PairingTransitions transitions) {
		PollStore store = new PollStore(engineDatabase.jdbc(), engineDatabase.transactions(), jdbc);
		return new PollEngine(identity.id(), store, frameio, models, box, custody, audit,
				new TransactionTemplate(transactions), clock, properties, meters, shutdown, clockSkew::withinBounds, transitions);
	}

	@Bean
	PendingPairingsGauge pendingPairingsGauge(JdbcClient jdbc, MeterRegistry meters) {
		return new PendingPairingsGauge(jdbc, meters);
	}

}
