package io.c2cgateway.devicemodel;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "device_model")
class DeviceModel {

	@Id
	private String model;

	@Column(name = "client_secret_enc", nullable = false)
	private String clientSecretEnc;

	@Column(nullable = false)
	private String scope;

	@Column(name = "default_client_version", nullable = false)
	private String defaultClientVersion;

	@Column(name = "url_pairing", nullable = false)
	private boolean urlPairing;

	@Column(name = "secret_updated_at", nullable = false)
	private Instant secretUpdatedAt;

	@Column(name = "created_at", nullable = false)
	private Instant createdAt;

	@Column(name = "updated_at", nullable = false)
	private Instant updatedAt;

	protected DeviceModel() {
	}

	DeviceModel(String model, Instant now) {
		this.model = model;
		this.createdAt = now;
		this.updatedAt = now;
	}

	String model() {
		return this.model;
	}

	String clientSecretEnc() {
		return this.clientSecretEnc;
	}

	void clientSecretEnc(String sealed, Instant at) {
		this.clientSecretEnc = sealed;
		this.secretUpdatedAt = at;
	}

	void settings(String scope, String defaultClientVersion, boolean urlPairing, Instant at) {
		this.scope = scope;
		this.defaultClientVersion = defaultClientVersion;
		this.urlPairing = urlPairing;
		this.updatedAt = at;
	}

	DeviceModelView view() {
		return new DeviceModelView(this.model, this.scope, this.defaultClientVersion, this.urlPairing,
				this.secretUpdatedAt, this.createdAt, this.updatedAt);
	}

}
