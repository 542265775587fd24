package io.c2cgateway.pairing;

import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

import io.c2cgateway.webhook.WebhookSubject;

/** A pairing event's {@code data}: the pairing resource as {@code GET /api/v1/pairings/{id}} shows it. */
@Component
class PairingWebhookSubject implements WebhookSubject {

	private final PairingStore store;

	PairingWebhookSubject(PairingStore store) {
		this.store = store;
	}

	@Override
	public String subjectType() {
		return "pairing";
	}

	@Override
	public Optional<Object> render(String subjectId) {
		return this.store.find(UUID.fromString(subjectId)).map((pairing) -> pairing);
	}

}
