package io.c2cgateway.webhook;

import java.util.Optional;

/**
 * Renders the resource an event is about ({@code data} of the webhook body), as the API shows it.
 * The feature that owns the resource implements it, so webhooks need not know pairings or devices.
 */
public interface WebhookSubject {

	/** The subject type this renders, e.g. {@code pairing}. */
	String subjectType();

	/** The resource as the API would answer it now, read inside the caller's transaction. */
	Optional<Object> render(String subjectId);

}
