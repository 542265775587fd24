package io.c2cgateway.crypto;

/**
 * A {@link SecretBox} outside a Spring context, for harnesses that write sealed rows for gateways
 * running in other processes (benchmarks).
 */
public final class SecretBoxes {

	private SecretBoxes() {
	}

	/** A box over {@code GATEWAY_CRYPTO_KEYS}-style keys: {@code id:base64key[,id:base64key…]}. */
	public static SecretBox of(String keys) {
		return new SecretBox(new CryptoProperties(keys));
	}

}
