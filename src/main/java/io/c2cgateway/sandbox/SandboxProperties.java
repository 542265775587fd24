package io.c2cgateway.sandbox;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** The simulated Frame.io: lifetimes as Frame.io documents them unless set otherwise. */
@ConfigurationProperties("gateway.sandbox")
record SandboxProperties(@DefaultValue("120s") Duration codeLifetime, @DefaultValue("5s") Duration interval,
		@DefaultValue("8h") Duration accessTokenLifetime, @DefaultValue("14d") Duration refreshTokenLifetime) {
}
