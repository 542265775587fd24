package io.c2cgateway.system;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClusterJobsConfiguration {

	@Bean
	ClusterJobs clusterJobs(DataSource dataSource, ObjectProvider<ClusterJob> jobs, InstanceIdentity identity,
			ShutdownBudget shutdown) {
		return new ClusterJobs(dataSource, jobs.orderedStream().toList(), identity.id(), shutdown);
	}

}
