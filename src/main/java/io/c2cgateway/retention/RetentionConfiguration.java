package io.c2cgateway.retention;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.c2cgateway.system.ClusterJob;

@Configuration(proxyBeanMethods = false)
class RetentionConfiguration {

	@Bean
	ClusterJob retentionJob(Retention retention) {
		return retention.job();
	}

}
