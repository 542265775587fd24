package io.c2cgateway.device;

import java.time.Instant;
import java.util.UUID;

/**
 * A device row as stored: tokens still sealed. {@code leaseLive} is the database's verdict on the
 * refresh lease; {@code upstreamRevocation} and its error are derived from the device's revocation jobs.
 */
record DeviceRow(String deviceId, String model, String clientVersion, String state, String sealedAccessToken,
		Instant accessTokenExpiresAt, String sealedRefreshToken, Instant refreshTokenIssuedAt,
		Instant refreshTokenExpiresAt, Instant pairedAt, Instant lastRefreshAt, UUID lastPairingId,
		boolean deviceKeyIssued, Instant revokedAt, long version, String leaseOwner, boolean leaseLive,
		String refreshFailedBy, String refreshFailure, Instant refreshUnknownSince, String upstreamRevocation,
		String upstreamRevocationError) {

	static final String PAIRED = "PAIRED";

	static final String REAUTH_REQUIRED = "REAUTH_REQUIRED";

	static final String REVOKED = "REVOKED";

	DeviceView view() {
		return new DeviceView(this.deviceId, this.model, this.clientVersion, this.state, this.pairedAt,
				this.accessTokenExpiresAt, this.refreshTokenExpiresAt, this.lastRefreshAt, this.lastPairingId,
				this.revokedAt, this.upstreamRevocation, this.upstreamRevocationError);
	}

	@Override
	public String toString() {
		return "DeviceRow[deviceId=" + this.deviceId + ", state=" + this.state + ", version=" + this.version + "]";
	}

}
