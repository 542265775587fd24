package io.c2cgateway.system;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A failure the API answers with a problem detail. Messages are written for API callers, so they
 * must never carry a secret, a token or SQL.
 */
public class ApiException extends RuntimeException {

	private final HttpStatus status;

	private final String code;

	private final Map<String, Object> properties;

	private final Duration retryAfter;

	public ApiException(HttpStatus status, String code, String detail) {
		this(status, code, detail, Map.of(), null);
	}

	public ApiException(HttpStatus status, String code, String detail, Map<String, Object> properties,
			Duration retryAfter) {
		super(detail, null, false, false);
		this.status = status;
		this.code = code;
		this.properties = new LinkedHashMap<>(properties);
		this.retryAfter = retryAfter;
	}

	public static ApiException notFound(String what) {
		return new ApiException(HttpStatus.NOT_FOUND, "not_found", what + " not found");
	}

	public static ApiException conflict(String code, String detail) {
		return new ApiException(HttpStatus.CONFLICT, code, detail);
	}

	public static ApiException validation(List<FieldProblem> errors) {
		return new ApiException(HttpStatus.BAD_REQUEST, "validation_failed", "The request breaks a rule of the API",
				Map.of("errors", List.copyOf(errors)), null);
	}

	public static ApiException validation(String field, String message) {
		return validation(List.of(new FieldProblem(field, message)));
	}

	public HttpStatus status() {
		return this.status;
	}

	public String code() {
		return this.code;
	}

	public Map<String, Object> properties() {
		return this.properties;
	}

	public Duration retryAfter() {
		return this.retryAfter;
	}

}
