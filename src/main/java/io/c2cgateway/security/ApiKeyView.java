package io.c2cgateway.security;

import java.time.Instant;
import java.util.UUID;

/** An ADMIN or STATION key as lists show it: never the key or its hash. */
public record ApiKeyView(UUID id, String name, Role role, Instant createdAt, Instant revokedAt) {

	static ApiKeyView of(ApiKey key) {
		return new ApiKeyView(key.id(), key.name(), key.role(), key.createdAt(), key.revokedAt());
	}

}
