package io.c2cgateway.idempotency;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code Idempotency-Key} handling.
 *
 * @param ttl how long a key and its stored response are kept; the contract promises at least 24 h
 */
@ConfigurationProperties("gateway.idempotency")
public record IdempotencyProperties(@DefaultValue("24h") Duration ttl) {
}
