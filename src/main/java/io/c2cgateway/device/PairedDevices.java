package io.c2cgateway.device;

import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

/**
 * Which pairing a device belongs to, for the pairing feature's rule that a device another station
 * paired is not up for grabs. Pairing depends on custody, never the other way round, so custody
 * answers with the pairing's id and pairing decides whose it is.
 */
@Component
public class PairedDevices {

	private final DeviceStore store;

	PairedDevices(DeviceStore store) {
		this.store = store;
	}

	/**
	 * The pairing whose tokens the device holds while it is {@code PAIRED} or {@code REAUTH_REQUIRED}
	 * (a device that must re-authorize still belongs to its station); empty for an unknown or revoked one.
	 */
	public Optional<UUID> holdingPairing(String deviceId) {
		return this.store.find(deviceId)
			.filter((device) -> !DeviceRow.REVOKED.equals(device.state()))
			.map(DeviceRow::lastPairingId);
	}

}
