package io.c2cgateway.ratelimit;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration {

	/** One set of buckets per replica, shared by the filter and by requests charged more than one. */
	@Bean
	RateLimiter rateLimiter(RateLimitProperties properties) {
		return new RateLimiter(properties);
	}

}
