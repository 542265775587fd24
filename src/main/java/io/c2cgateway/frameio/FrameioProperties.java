package io.c2cgateway.frameio;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The upstream and the Reactor Netty pool that reaches it. The pool is sized so that a full poll
 * round of one replica fits ({@code maxConnections}) while a stalled upstream makes callers fail
 * fast instead of queueing without bound ({@code pendingAcquireMaxCount}).
 */
@ConfigurationProperties("gateway.frameio")
public record FrameioProperties(@DefaultValue("https://api.frame.io") String baseUrl,
		@DefaultValue("10s") Duration timeout, @DefaultValue("5s") Duration connectTimeout,
		@DefaultValue("500") int maxConnections, @DefaultValue("2000") int pendingAcquireMaxCount,
		@DefaultValue("5s") Duration pendingAcquireTimeout, @DefaultValue("30s") Duration maxIdleTime,
		@DefaultValue("false") boolean allowInsecureBaseUrl) {
}
