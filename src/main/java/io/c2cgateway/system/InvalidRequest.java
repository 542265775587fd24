package io.c2cgateway.system;

import java.util.List;
import java.util.Map;

/** The request breaks rules of the API, listed field by field in {@code errors}. */
public final class InvalidRequest extends DomainException {

	public InvalidRequest(List<FieldProblem> errors) {
		super("validation_failed", "The request breaks a rule of the API", Map.of("errors", List.copyOf(errors)), null);
	}

	public InvalidRequest(String field, String message) {
		this(List.of(new FieldProblem(field, message)));
	}

}
