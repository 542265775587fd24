package io.c2cgateway.crypto;

import java.util.Objects;

/**
 * A secret value in memory: a client secret, a device code, a token. Its {@code toString} never
 * reveals it, so logging or formatting one by accident prints a mask.
 */
public final class Secret {

	private final String value;

	private Secret(String value) {
		this.value = Objects.requireNonNull(value, "value");
	}

	public static Secret of(String value) {
		return new Secret(value);
	}

	/** The plaintext, for the few places that must send or encrypt it. */
	public String reveal() {
		return this.value;
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof Secret secret && java.security.MessageDigest.isEqual(
				this.value.getBytes(java.nio.charset.StandardCharsets.UTF_8),
				secret.value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
	}

	@Override
	public int hashCode() {
		return this.value.hashCode();
	}

	@Override
	public String toString() {
		return "Secret[***]";
	}

}
