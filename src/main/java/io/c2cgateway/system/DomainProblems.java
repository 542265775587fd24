package io.c2cgateway.system;

import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The web layer's one table from kinds of {@link DomainException} to HTTP statuses, and the
 * problem details they become. Only controllers, their advice and filters use it.
 */
public final class DomainProblems {

	private static final Map<Class<? extends DomainException>, HttpStatus> STATUSES = Map.ofEntries(
			Map.entry(InvalidRequest.class, HttpStatus.BAD_REQUEST),
			Map.entry(NotAllowed.class, HttpStatus.FORBIDDEN),
			Map.entry(NotFound.class, HttpStatus.NOT_FOUND),
			Map.entry(Conflict.class, HttpStatus.CONFLICT),
			Map.entry(UnknownReference.class, HttpStatus.UNPROCESSABLE_CONTENT),
			Map.entry(LimitReached.class, HttpStatus.TOO_MANY_REQUESTS),
			Map.entry(InternalFailure.class, HttpStatus.INTERNAL_SERVER_ERROR),
			Map.entry(UpstreamRefused.class, HttpStatus.BAD_GATEWAY),
			Map.entry(UpstreamRateLimited.class, HttpStatus.SERVICE_UNAVAILABLE),
			Map.entry(TemporarilyUnavailable.class, HttpStatus.SERVICE_UNAVAILABLE),
			Map.entry(UpstreamUnavailable.class, HttpStatus.GATEWAY_TIMEOUT));

	private DomainProblems() {
	}

	public static HttpStatus statusOf(DomainException ex) {
		HttpStatus status = STATUSES.get(ex.getClass());
		if (status == null) {
			// The hierarchy is sealed and a test walks it, so this means the table was not kept up.
			throw new IllegalStateException("No HTTP status for " + ex.getClass().getName());
		}
		return status;
	}

	static boolean knows(Class<? extends DomainException> kind) {
		return STATUSES.containsKey(kind);
	}

	public static ProblemDetail problemOf(DomainException ex) {
		return Problems.of(statusOf(ex), ex.code(), ex.getMessage(), ex.properties());
	}

	/** The wait in whole seconds, at least one; null when the exception names none. */
	public static Long retryAfterSeconds(DomainException ex) {
		return (ex.retryAfter() != null) ? Math.max(1, ex.retryAfter().toSeconds()) : null;
	}

}
