package io.c2cgateway.pairing;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * The pairing resource of the contract. It never holds a device code, a secret or a token.
 * {@code frameioDevice} is null until Frame.io told where the device landed; it is not part of the
 * pairing's versioned state.
 */
public record Pairing(UUID id, String deviceId, String model, String clientVersion, boolean urlPairing, String status,
		String userCode, String verificationUri, String verificationUriComplete, String deviceName,
		Instant codeExpiresAt, int codesIssued, int pollIntervalSeconds, Instant expiresAt, Instant createdAt,
		Instant updatedAt, Instant completedAt, String failureReason, String createdBy, long version,
		FrameioDeviceView frameioDevice, @JsonIgnore UUID createdByKeyId) {

	@JsonIgnore
	public boolean isPending() {
		return is(PairingStatus.PENDING);
	}

	public boolean is(PairingStatus status) {
		return status.name().equals(this.status);
	}

	/** The status as the enum; the record keeps the column's text, which the API and pages show as is. */
	@JsonIgnore
	public PairingStatus statusValue() {
		return PairingStatus.valueOf(this.status);
	}

}
