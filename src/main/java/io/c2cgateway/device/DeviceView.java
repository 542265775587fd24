package io.c2cgateway.device;

import java.time.Instant;
import java.util.UUID;

/**
 * The device resource of the contract. It never holds a token. {@code upstreamRevocation} is
 * {@code DONE}, {@code PENDING}, {@code FAILED} or {@code EXPIRED} once the device is revoked, null
 * before; {@code upstreamRevocationError} is Frame.io's error code when it is {@code FAILED}, else null.
 */
public record DeviceView(String deviceId, String model, String clientVersion, String state, Instant pairedAt,
		Instant accessTokenExpiresAt, Instant refreshTokenExpiresAt, Instant lastRefreshAt, UUID lastPairingId,
		Instant revokedAt, String upstreamRevocation, String upstreamRevocationError) {
}
