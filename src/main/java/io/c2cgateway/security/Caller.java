package io.c2cgateway.security;

import java.io.Serializable;
import java.util.Optional;
import java.util.UUID;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The authenticated key behind a request. {@code deviceId} is set for DEVICE keys only. Serializable
 * because the web console keeps it in a (database-stored) session.
 */
public record Caller(UUID keyId, String name, Role role, String deviceId) implements Serializable {

	/** The caller of the current request, for filters that run after the security filter chain. */
	public static Optional<Caller> current() {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		return (authentication != null && authentication.getPrincipal() instanceof Caller caller)
				? Optional.of(caller) : Optional.empty();
	}

	public boolean isAdmin() {
		return this.role == Role.ADMIN;
	}

	/**
	 * The audit actor: role, key id, then name. The id comes first because the name is whatever the
	 * key's creator chose, and could copy another key's.
	 */
	public String actor() {
		return this.role.name().toLowerCase() + ":" + this.keyId + ":" + this.name;
	}

}
