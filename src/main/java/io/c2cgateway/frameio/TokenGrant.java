package io.c2cgateway.frameio;

import io.c2cgateway.crypto.Secret;

/**
 * Tokens from {@code /v2/auth/token}; {@code expiresInSeconds} is the access token's life. A
 * refresh answer may leave out {@code refreshToken} (null here): the current one stays in force
 * (RFC 6749 section 6). An authorization always carries one.
 */
public record TokenGrant(Secret accessToken, Secret refreshToken, long expiresInSeconds, String tokenType) {
}
