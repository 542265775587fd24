package io.c2cgateway.system;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the query parameters of one list request, collecting every broken rule so the caller can
 * answer them all at once in one {@code validation_failed} problem.
 */
public final class QueryParameters {

	public static final int DEFAULT_LIMIT = 50;

	public static final int MAX_LIMIT = 500;

	private final List<FieldProblem> problems = new ArrayList<>();

	public void reject(String field, String message) {
		this.problems.add(new FieldProblem(field, message));
	}

	/**
	 * A free-text filter, trimmed; null when absent or blank. A control character (a NUL above
	 * all, which PostgreSQL refuses in text) can match nothing the API stores: rejected.
	 */
	public String text(String field, String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String trimmed = value.trim();
		if (trimmed.isEmpty()) {
			return null;
		}
		for (int i = 0; i < trimmed.length(); i++) {
			if (Character.isISOControl(trimmed.charAt(i))) {
				reject(field, "must not contain control characters");
				return null;
			}
		}
		return trimmed;
	}

	/** The instant, or null when absent, blank or not ISO-8601. */
	public Instant instant(String field, String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			return Instant.parse(value.trim());
		}
		catch (DateTimeParseException ex) {
			reject(field, "must be an ISO-8601 UTC time such as 2026-11-28T10:15:30.123Z");
			return null;
		}
	}

	/** The page size, {@value #DEFAULT_LIMIT} when absent; only meaningful if nothing was rejected. */
	public int limit(String value) {
		if (value == null) {
			return DEFAULT_LIMIT;
		}
		int size;
		try {
			size = Integer.parseInt(value.trim());
		}
		catch (NumberFormatException ex) {
			size = -1;
		}
		if (size < 1 || size > MAX_LIMIT) {
			reject("limit", "must be between 1 and " + MAX_LIMIT);
		}
		return size;
	}

	/** The decoded cursor, or null when absent or when {@code decoder} refuses it. */
	public <T> T cursor(String value, Function<String, T> decoder) {
		if (value == null || value.isEmpty()) {
			return null;
		}
		try {
			return decoder.apply(value);
		}
		catch (RuntimeException ex) {
			reject("cursor", "is not a cursor this API handed out");
			return null;
		}
	}

	public void throwIfInvalid() {
		if (!this.problems.isEmpty()) {
			throw new InvalidRequest(this.problems);
		}
	}

}
