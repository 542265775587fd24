package io.c2cgateway.system;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refusal or failure the domain knows and the caller is told about: the contract's {@code code},
 * a detail written for API callers, extra properties and, where trying later helps, how long to
 * wait. The kind (the subclass) says what happened; which HTTP status that is, is the web layer's
 * business ({@code DomainProblems}). Details must never carry a secret, a token or SQL.
 *
 * <p>
 * Sealed so that no kind exists that the web layer's table does not know. No stack trace is
 * filled in: these are answers, not bugs, and they are never logged with one.
 */
public abstract sealed class DomainException extends RuntimeException
		permits NotFound, Conflict, InvalidRequest, UnknownReference, NotAllowed, LimitReached, UpstreamFailure,
		TemporarilyUnavailable, InternalFailure {

	private final String code;

	private final Map<String, Object> properties;

	private final Duration retryAfter;

	DomainException(String code, String detail, Map<String, Object> properties, Duration retryAfter) {
		super(detail, null, false, false);
		this.code = code;
		this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
		this.retryAfter = retryAfter;
	}

	public String code() {
		return this.code;
	}

	/** Properties the problem detail carries besides the standard ones, in order. */
	public Map<String, Object> properties() {
		return this.properties;
	}

	/** How long the caller should wait before trying again; null when waiting does not help. */
	public Duration retryAfter() {
		return this.retryAfter;
	}

}
