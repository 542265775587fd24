package io.c2cgateway.frameio;

import io.c2cgateway.crypto.Secret;

/** Tokens from {@code /v2/auth/token}; {@code expiresInSeconds} is the access token's life. */
public record TokenGrant(Secret accessToken, Secret refreshToken, long expiresInSeconds, String tokenType) {
}
