package io.c2cgateway.polling;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import io.c2cgateway.pairing.PairingStarted;

/** A new pairing makes the engine claim at its next cycle; {@code pairing} needs no view of the engine. */
@Component
class NewPairingWakeUp {

	private final PollEngine engine;

	NewPairingWakeUp(PollEngine engine) {
		this.engine = engine;
	}

	@EventListener
	void on(PairingStarted started) {
		this.engine.wake();
	}

}
