package io.c2cgateway.system;

import java.net.URI;
import java.util.Map;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

import tools.jackson.core.JacksonException;

/** Builds the problem details of the contract: {@code type}, {@code title}, {@code status}, {@code detail}, {@code code}. */
public final class Problems {

	private Problems() {
	}

	public static ProblemDetail of(HttpStatusCode status, String code, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(typeOf(code));
		problem.setTitle(titleOf(status));
		problem.setProperty("code", code);
		return problem;
	}

	public static ProblemDetail of(HttpStatusCode status, String code, String detail, Map<String, Object> properties) {
		ProblemDetail problem = of(status, code, detail);
		properties.forEach(problem::setProperty);
		return problem;
	}

	public static URI typeOf(String code) {
		return URI.create("urn:c2c-gateway:problem:" + code);
	}

	/** Where in the body Jackson failed, as {@code items[0].model}: the {@code field} of a {@link FieldProblem}. */
	public static String pathOf(JacksonException ex) {
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : ex.getPath()) {
			if (reference.getPropertyName() != null) {
				if (!path.isEmpty()) {
					path.append('.');
				}
				path.append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return path.toString();
	}

	private static String titleOf(HttpStatusCode status) {
		org.springframework.http.HttpStatus known = org.springframework.http.HttpStatus.resolve(status.value());
		return (known != null) ? known.getReasonPhrase() : "Error";
	}

}
