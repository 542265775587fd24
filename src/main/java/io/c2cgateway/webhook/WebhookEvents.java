package io.c2cgateway.webhook;

import java.util.List;

/** The event types of the contract. */
public final class WebhookEvents {

	public static final String PAIRING_AUTHORIZED = "pairing.authorized";

	public static final String DEVICE_REAUTH_REQUIRED = "device.reauth_required";

	public static final String DEVICE_REVOKED = "device.revoked";

	/** Every type an endpoint may subscribe to; {@code *} stands for all of them. */
	public static final List<String> TYPES = List.of(PAIRING_AUTHORIZED, "pairing.expired", "pairing.denied",
			"pairing.failed", "pairing.cancelled", DEVICE_REAUTH_REQUIRED, DEVICE_REVOKED);

	static final String ALL = "*";

	private WebhookEvents() {
	}

}
