package io.c2cgateway.pairing;

import org.springframework.stereotype.Component;

import io.c2cgateway.device.PairingLookup;
import io.c2cgateway.security.Caller;

/** Lets custody see pairings with the same visibility rules as the pairing API. */
@Component
class PairingLookupForCustody implements PairingLookup {

	private final PairingService pairings;

	PairingLookupForCustody(PairingService pairings) {
		this.pairings = pairings;
	}

	@Override
	public PairingFacts visible(String pairingId, Caller caller) {
		Pairing pairing = this.pairings.get(pairingId, caller);
		return new PairingFacts(pairing.id(), pairing.deviceId(), pairing.status(),
				pairing.is(PairingStatus.AUTHORIZED));
	}

}
