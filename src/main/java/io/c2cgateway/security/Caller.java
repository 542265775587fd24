package io.c2cgateway.security;

import java.util.UUID;

/** The authenticated key behind a request. {@code deviceId} is set for DEVICE keys only. */
public record Caller(UUID keyId, String name, Role role, String deviceId) {

	public boolean isAdmin() {
		return this.role == Role.ADMIN;
	}

	/** The audit actor: the key's name and id. */
	public String actor() {
		return this.role.name().toLowerCase() + ":" + this.name;
	}

}
