package io.c2cgateway.polling;

import java.time.Instant;
import java.util.UUID;

import io.c2cgateway.crypto.Secret;

/**
 * A pending pairing this replica holds the lease on, as the engine sees it between polls. Mutated
 * only by the engine's own thread.
 */
final class Tracked {

	final UUID id;

	final long epoch;

	final String deviceId;

	final String model;

	final String clientVersion;

	final boolean urlPairing;

	final Instant expiresAt;

	Secret deviceCode;

	Instant codeExpiresAt;

	int intervalSeconds;

	int backoffSeconds;

	Instant nextPollAt;

	long stamp;

	boolean inFlight;

	Tracked(UUID id, long epoch, String deviceId, String model, String clientVersion, boolean urlPairing,
			Instant expiresAt, Secret deviceCode, Instant codeExpiresAt, int intervalSeconds, int backoffSeconds,
			Instant nextPollAt) {
		this.id = id;
		this.epoch = epoch;
		this.deviceId = deviceId;
		this.model = model;
		this.clientVersion = clientVersion;
		this.urlPairing = urlPairing;
		this.expiresAt = expiresAt;
		this.deviceCode = deviceCode;
		this.codeExpiresAt = codeExpiresAt;
		this.intervalSeconds = intervalSeconds;
		this.backoffSeconds = backoffSeconds;
		this.nextPollAt = nextPollAt;
	}

	/** The live code is dead: its expiry passed or Frame.io said so. */
	boolean codeIsDead(Instant now) {
		return this.deviceCode == null || this.codeExpiresAt == null || !now.isBefore(this.codeExpiresAt);
	}

	@Override
	public String toString() {
		return "Tracked[" + this.id + "]";
	}

}
