package io.c2cgateway.pairing;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A pairing's status: the values of the {@code pairing.status} check constraint, in its order.
 * Everything but {@link #PENDING} is terminal.
 */
public enum PairingStatus {

	PENDING, AUTHORIZED, EXPIRED, DENIED, FAILED, CANCELLED;

	/** Every status's name, in declaration order (as the API, queries and the console list them). */
	public static final List<String> NAMES = Arrays.stream(values()).map(Enum::name).toList();

	/** The audit and webhook event of entering this status: {@code pairing.authorized}, … */
	public String eventName() {
		return "pairing." + name().toLowerCase(Locale.ROOT);
	}

	public boolean isTerminal() {
		return this != PENDING;
	}

}
