package io.c2cgateway.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How many refused authentications per second a replica writes to the audit trail (averaged, up
 * to {@code burst} at once); the rest are only counted, so a flood of bad keys cannot become a
 * flood of writes.
 */
@ConfigurationProperties("gateway.security.refused-auth-audit")
record RefusedAuthAuditProperties(@DefaultValue("10") long perSecond, @DefaultValue("20") long burst) {
}
