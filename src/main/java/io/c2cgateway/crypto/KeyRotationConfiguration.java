package io.c2cgateway.crypto;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.c2cgateway.system.ClusterJob;

@Configuration(proxyBeanMethods = false)
class KeyRotationConfiguration {

	/**
	 * Re-sealing once per {@code rotation-every} across the cluster. The keys are read at start-up,
	 * so a replica's start brings the next run forward to {@code rotation-initial-delay} after it:
	 * a rollout that promoted a new key re-seals a minute later, not up to an hour.
	 */
	@Bean
	ClusterJob keyRotationJob(KeyRotation rotation,
			@Value("${gateway.crypto.rotation-enabled:true}") boolean enabled,
			@Value("${gateway.crypto.rotation-initial-delay:1m}") Duration initialDelay,
			@Value("${gateway.crypto.rotation-every:1h}") Duration every) {
		return new ClusterJob("key-rotation", enabled, every, initialDelay, (keepGoing) -> rotation.runOnce());
	}

}
