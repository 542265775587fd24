package io.c2cgateway.system;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Failures that say the database cannot be reached or answered too late, as opposed to a bug: the
 * caller is told {@code database_unavailable} and when to try again, and nothing changed.
 */
public final class DatabaseUnavailable {

	public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

	private DatabaseUnavailable() {
	}

	/**
	 * Looks through the causes: a failure to roll back on the dead connection (a
	 * {@code JpaSystemException}) replaces the failure that said the connection was gone.
	 */
	public static boolean is(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (cause instanceof DataAccessResourceFailureException || cause instanceof TransientDataAccessException
					|| cause instanceof CannotCreateTransactionException || cause instanceof SQLTransientException
					|| cause instanceof SQLRecoverableException || cause instanceof SQLNonTransientConnectionException) {
				return true;
			}
			// Begin, commit or rollback failed on the connection itself; PostgreSQL refuses none of them otherwise.
			if (cause instanceof org.hibernate.TransactionException) {
				return true;
			}
			// SQLSTATE class 08: connection exception; 57P01-57P03: the server is shutting down or starting.
			if (cause instanceof SQLException sql && sql.getSQLState() != null
					&& (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
				return true;
			}
		}
		return false;
	}

	/** What the caller is told when nothing was changed. */
	public static TemporarilyUnavailable refusal() {
		return refusal("The gateway's database is unavailable; nothing was changed, try again shortly");
	}

	public static TemporarilyUnavailable refusal(String detail) {
		return new TemporarilyUnavailable("database_unavailable", detail, RETRY_AFTER);
	}

}
