package io.c2cgateway.security;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "api_key")
class ApiKey {

	@Id
	private UUID id;

	@Column(nullable = false)
	private String name;

	@Enumerated(EnumType.STRING)
	@Column(nullable = false)
	private Role role;

	@Column(name = "key_hash", nullable = false)
	private String keyHash;

	@Column(name = "device_id")
	private String deviceId;

	@Column(name = "created_at", nullable = false)
	private Instant createdAt;

	@Column(name = "revoked_at")
	private Instant revokedAt;

	protected ApiKey() {
	}

	ApiKey(UUID id, String name, Role role, String keyHash, String deviceId, Instant createdAt) {
		this.id = id;
		this.name = name;
		this.role = role;
		this.keyHash = keyHash;
		this.deviceId = deviceId;
		this.createdAt = createdAt;
	}

	UUID id() {
		return this.id;
	}

	String name() {
		return this.name;
	}

	Role role() {
		return this.role;
	}

	String deviceId() {
		return this.deviceId;
	}

	Instant createdAt() {
		return this.createdAt;
	}

	Instant revokedAt() {
		return this.revokedAt;
	}

	boolean isActive() {
		return this.revokedAt == null;
	}

	void revoke(Instant at) {
		if (this.revokedAt == null) {
			this.revokedAt = at;
		}
	}

	Caller toCaller() {
		return new Caller(this.id, this.name, this.role, this.deviceId);
	}

}
