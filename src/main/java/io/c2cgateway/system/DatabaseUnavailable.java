package io.c2cgateway.system;

import java.time.Duration;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Failures that say the database cannot be reached or answered too late, as opposed to a bug: the
 * caller gets 503 {@code database_unavailable} with {@code Retry-After}, and nothing changed.
 */
public final class DatabaseUnavailable {

	public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

	private DatabaseUnavailable() {
	}

	public static boolean is(Throwable failure) {
		return failure instanceof DataAccessResourceFailureException || failure instanceof TransientDataAccessException
				|| failure instanceof CannotCreateTransactionException;
	}

	public static ProblemDetail problem() {
		return Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "database_unavailable",
				"The gateway's database is unavailable; nothing was changed, try again shortly");
	}

}
