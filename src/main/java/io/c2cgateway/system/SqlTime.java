package io.c2cgateway.system;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Instants to and from {@code timestamptz} columns, the way the PostgreSQL driver takes them. */
public final class SqlTime {

	private SqlTime() {
	}

	/** A bind value for a {@code timestamptz} parameter; null stays null. */
	public static OffsetDateTime utc(Instant instant) {
		return (instant != null) ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : null;
	}

	/**
	 * A bind value for {@code make_interval(secs => ?)} or {@code ? * interval '1 second'}: whole
	 * seconds would cut a sub-second lease or TTL to nothing, so milliseconds are kept.
	 */
	public static double seconds(Duration duration) {
		return duration.toMillis() / 1000.0;
	}

	/** A {@code timestamptz} column as an instant; SQL null is null. */
	public static Instant instant(ResultSet rs, String column) throws SQLException {
		OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
		return (value != null) ? value.toInstant() : null;
	}

}
