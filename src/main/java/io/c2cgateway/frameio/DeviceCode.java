package io.c2cgateway.frameio;

import io.c2cgateway.crypto.Secret;

/**
 * A device code as Frame.io issued it; {@code intervalSeconds} already defaulted (5) and rounded up,
 * {@code verificationUriComplete} may be null.
 */
public record DeviceCode(Secret deviceCode, String userCode, String verificationUri, String verificationUriComplete,
		String name, long expiresInSeconds, int intervalSeconds) {
}
