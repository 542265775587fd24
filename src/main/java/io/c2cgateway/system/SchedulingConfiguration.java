package io.c2cgateway.system;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Per-replica periodic work (webhook delivery rounds, clock skew checks and the like) runs on
 * Spring's scheduler; jobs that one replica runs per period for the cluster run on {@link ClusterJobs}.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class SchedulingConfiguration {

}
