package io.c2cgateway.security;

import java.time.Duration;

import jakarta.servlet.http.HttpServletRequest;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.system.InvalidConfigurationException;

/**
 * Audits refused authentications: a request that presented an {@code Authorization} header whose
 * key was refused. Requests without the header are not audited (they are scanners or mistakes, and
 * cost nothing to send), and the writes are capped per replica; every refusal is counted in
 * {@code gateway.auth.refused} all the same.
 */
@Component
public class RefusedAuthentications {

	private static final Logger log = LoggerFactory.getLogger(RefusedAuthentications.class);

	private static final int MAX_PATH = 200;

	private final ApiKeyService keys;

	private final AuditLog audit;

	private final Bucket writes;

	private final Counter refused;

	private final Counter unaudited;

	RefusedAuthentications(ApiKeyService keys, AuditLog audit, RefusedAuthAuditProperties properties,
			MeterRegistry meters) {
		if (properties.perSecond() < 1 || properties.burst() < 1) {
			throw new InvalidConfigurationException(
					"gateway.security.refused-auth-audit is malformed: per-second and burst must be positive");
		}
		this.keys = keys;
		this.audit = audit;
		this.writes = Bucket.builder()
			.addLimit(Bandwidth.builder()
				.capacity(properties.burst())
				.refillGreedy(properties.perSecond(), Duration.ofSeconds(1))
				.build())
			.build();
		this.refused = Counter.builder("gateway.auth.refused")
			.description("Requests whose presented key was refused")
			.register(meters);
		this.unaudited = Counter.builder("gateway.auth.refused.unaudited")
			.description("Refused authentications not written to the audit trail because of the cap")
			.register(meters);
	}

	/**
	 * {@code presented} is the bearer value (or the key typed into the console's sign-in form), or
	 * null when the header used another scheme.
	 */
	public void refused(HttpServletRequest request, String presented) {
		this.refused.increment();
		if (!this.writes.tryConsume(1)) {
			this.unaudited.increment();
			return;
		}
		try {
			ApiKeyService.Refusal refusal = (presented != null) ? this.keys.refusalOf(presented)
					: new ApiKeyService.Refusal("not_bearer", null, null);
			String path = request.getRequestURI();
			if (path.length() > MAX_PATH) {
				path = path.substring(0, MAX_PATH) + "…";
			}
			this.audit.record("anonymous", "auth.refused", "api_key", refusal.subjectId(),
					"reason=" + refusal.reason() + ((refusal.keyName() != null) ? " name=" + refusal.keyName() : "")
							+ " method=" + request.getMethod() + " path=" + path + " remote=" + request.getRemoteAddr());
		}
		catch (RuntimeException ex) {
			// The caller gets its 401 either way; a lost audit line must not turn it into a 500.
			log.warn("Could not audit a refused authentication: {}", ex.getClass().getSimpleName());
		}
	}

}
