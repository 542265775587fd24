package io.c2cgateway.frameio;

import io.c2cgateway.crypto.Secret;

/**
 * Tokens from {@code /v2/auth/token}; {@code expiresInSeconds} is the access token's life. A
 * refresh answer may leave out {@code refreshToken} (null here): the current one stays in force
 * (RFC 6749 section 6). An authorization always carries one. {@code refreshExpiresInSeconds} is
 * the refresh token's life where the answer states it ({@code refresh_expires_in} above zero),
 * else null: Frame.io states none, its refresh tokens live 14 days.
 */
public record TokenGrant(Secret accessToken, Secret refreshToken, long expiresInSeconds, String tokenType,
		Long refreshExpiresInSeconds) {

	public TokenGrant(Secret accessToken, Secret refreshToken, long expiresInSeconds, String tokenType) {
		this(accessToken, refreshToken, expiresInSeconds, tokenType, null);
	}

}
