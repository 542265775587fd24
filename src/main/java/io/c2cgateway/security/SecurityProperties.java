package io.c2cgateway.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code GATEWAY_SECURITY_BOOTSTRAP_ADMIN_KEY}: an ADMIN key accepted as is, for the first login. */
@ConfigurationProperties("gateway.security")
record SecurityProperties(String bootstrapAdminKey) {

	@Override
	public String toString() {
		return "SecurityProperties[bootstrapAdminKey=" + ((this.bootstrapAdminKey == null) ? "none" : "***") + "]";
	}

}
