package io.c2cgateway.idempotency;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.c2cgateway.crypto.SealedColumn;

@Configuration(proxyBeanMethods = false)
class IdempotencyConfiguration {

	/** Stored answers live a day, but a key may be dropped from the ring sooner than that. */
	@Bean
	SealedColumn idempotencyStoredBody() {
		return new SealedColumn("idempotency_key", "body_enc", "claim", IdempotencyKeys.BODY);
	}

}
