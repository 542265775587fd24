package io.c2cgateway.device;

import java.util.UUID;

import io.c2cgateway.security.Caller;

/**
 * What issuing a pairing's device key needs to know of the pairing. The pairing feature implements
 * it: pairing already depends on custody (through the poll engine), so custody must not depend on
 * pairing.
 */
public interface PairingLookup {

	/**
	 * The pairing if the caller may see it (STATION: its own; ADMIN: any).
	 * @throws io.c2cgateway.system.NotFound for an unknown, foreign or malformed id
	 */
	PairingFacts visible(String pairingId, Caller caller);

	/**
	 * A pairing's id, device and status; {@code authorized} is judged by {@code pairing}, which owns
	 * the statuses (custody cannot import them).
	 */
	record PairingFacts(UUID id, String deviceId, String status, boolean authorized) {
	}

}
