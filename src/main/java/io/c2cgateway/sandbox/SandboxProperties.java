package io.c2cgateway.sandbox;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The simulated Frame.io: lifetimes as Frame.io documents them unless set otherwise.
 *
 * @param refreshTokenLifetime what refresh tokens live; other than Frame.io's 14 days, token
 * answers state it as {@code refresh_expires_in}, as other RFC 8628 servers do
 * @param rotateRefreshTokens false: refresh answers carry no new {@code refresh_token}, the current
 * one stays in force (RFC 6749 section 6)
 */
@ConfigurationProperties("gateway.sandbox")
record SandboxProperties(@DefaultValue("120s") Duration codeLifetime, @DefaultValue("5s") Duration interval,
		@DefaultValue("8h") Duration accessTokenLifetime, @DefaultValue("14d") Duration refreshTokenLifetime,
		@DefaultValue("true") boolean rotateRefreshTokens) {
}
