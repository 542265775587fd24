package io.c2cgateway.device;

import java.time.Instant;
import java.util.UUID;

/**
 * The device resource of the contract. It never holds a token. {@code upstreamRevocation} is
 * {@code DONE} or {@code PENDING} once the device is revoked, null before.
 */
record DeviceView(String deviceId, String model, String clientVersion, String state, Instant pairedAt,
		Instant accessTokenExpiresAt, Instant refreshTokenExpiresAt, Instant lastRefreshAt, UUID lastPairingId,
		Instant revokedAt, String upstreamRevocation) {
}
