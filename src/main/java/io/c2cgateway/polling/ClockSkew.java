package io.c2cgateway.polling;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * How far this replica's domain clock is from the database's, and whether that is within
 * {@code gateway.polling.max-clock-skew}.
 *
 * <p>
 * Poll schedules, revocation due times and rate pauses are written by one replica's clock and read
 * by another's: a replica whose clock runs ahead would find polls due before their interval is up
 * (and one that runs behind would write schedules that others find due too early). Leases are
 * judged by the database's clock, so the database is the reference every replica is compared
 * with: two replicas within the bound of it are within twice the bound of each other. A replica
 * that cannot prove it is within the bound claims no pairings and is not ready.
 *
 * <p>
 * Each measurement takes a few samples of {@code clock_timestamp()} on one connection and keeps
 * the one with the shortest round trip; the database's reading lies somewhere in that round
 * trip, so half of it is the measurement's uncertainty, and it counts against the bound.
 */
class ClockSkew implements HealthIndicator {

	private static final Logger log = LoggerFactory.getLogger(ClockSkew.class);

	static final long CHECK_SECONDS = 30;

	/** Before the first measurement succeeds, and after failed ones, measure again this soon. */
	private static final long RETRY_SECONDS = 2;

	private static final int SAMPLES = 5;

	private final JdbcTemplate jdbc;

	private final Clock clock;

	private final Duration bound;

	private volatile Measurement last;

	private volatile boolean inBounds;

	private long lastAttemptNanos;

	private boolean failing;

	/** Whether a measurement has been judged yet: the first one out of bounds is logged too. */
	private boolean judged;

	/**
	 * @param jdbc the database whose clock is the reference
	 * @param clock this replica's domain clock, the one that writes the schedules
	 * @param bound the largest skew tolerated; zero turns the check off (tests move the clock by hand)
	 */
	ClockSkew(JdbcTemplate jdbc, Clock clock, Duration bound, MeterRegistry meters) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.bound = bound;
		this.inBounds = !checked();
		Gauge.builder("gateway.clock.skew", this, ClockSkew::seconds)
			.baseUnit("seconds")
			.description("This replica's clock minus the database's, measured every " + CHECK_SECONDS + " s")
			.register(meters);
	}

	/** Whether this replica's clock may write and judge times other replicas read. */
	boolean withinBounds() {
		return this.inBounds;
	}

	/** The last measurement, or null before the first one succeeded. */
	Measurement last() {
		return this.last;
	}

	private boolean checked() {
		return !this.bound.isZero() && !this.bound.isNegative();
	}

	private double seconds() {
		Measurement measured = this.last;
		return (measured != null) ? measured.skew().toNanos() / 1e9 : Double.NaN;
	}

	/** Measures when due: every {@link #CHECK_SECONDS}, sooner while no measurement has succeeded. */
	@Scheduled(fixedDelay = RETRY_SECONDS, timeUnit = TimeUnit.SECONDS)
	void checkWhenDue() {
		long now = System.nanoTime();
		long every = TimeUnit.SECONDS.toNanos((this.last == null || this.failing) ? RETRY_SECONDS : CHECK_SECONDS);
		synchronized (this) {
			if (this.lastAttemptNanos != 0 && now - this.lastAttemptNanos < every) {
				return;
			}
			this.lastAttemptNanos = now;
		}
		check();
	}

	/** Measures now and judges the result; returns the measurement, or null when the database did not answer. */
	synchronized Measurement check() {
		Measurement measured;
		try {
			measured = measure();
		}
		catch (RuntimeException ex) {
			// The last verdict stands: an outage is readiness's db check's to report, not this one's.
			if (!this.failing) {
				log.warn("Could not measure the clock skew against the database: {}", ex.getClass().getSimpleName());
			}
			this.failing = true;
			return null;
		}
		this.failing = false;
		this.last = measured;
		if (!checked()) {
			return measured;
		}
		boolean nowInBounds = measured.worstCase().compareTo(this.bound) <= 0;
		if (!nowInBounds && (this.inBounds || !this.judged)) {
			log.error("This replica's clock is {} s off the database's (± {} s), more than the {} s allowed: "
					+ "it polls nothing and is not ready until that is fixed", shownSeconds(measured.skew()),
					shownSeconds(measured.uncertainty()), shownSeconds(this.bound));
		}
		else if (nowInBounds && !this.inBounds && this.judged) {
			log.info("This replica's clock is {} s off the database's again, within the {} s allowed: it polls again",
					shownSeconds(measured.skew()), shownSeconds(this.bound));
		}
		this.inBounds = nowInBounds;
		this.judged = true;
		return measured;
	}

	private Measurement measure() {
		return this.jdbc.execute((ConnectionCallback<Measurement>) (connection) -> {
			Measurement best = null;
			try (Statement statement = connection.createStatement()) {
				for (int i = 0; i < SAMPLES; i++) {
					Instant before = this.clock.instant();
					long sent = System.nanoTime();
					Instant database;
					try (ResultSet result = statement.executeQuery("select clock_timestamp()")) {
						result.next();
						database = result.getObject(1, OffsetDateTime.class).toInstant();
					}
					long roundTrip = System.nanoTime() - sent;
					Instant local = before.plusNanos(roundTrip / 2);
					Measurement sample = new Measurement(Duration.between(database, local),
							Duration.ofNanos(roundTrip / 2));
					if (best == null || sample.uncertainty().compareTo(best.uncertainty()) < 0) {
						best = sample;
					}
				}
			}
			return best;
		});
	}

	@Override
	public Health health() {
		if (!checked()) {
			return Health.up().withDetail("check", "off").build();
		}
		Measurement measured = this.last;
		if (measured == null) {
			return Health.down().withDetail("reason", "clock skew not measured yet").build();
		}
		Health.Builder health = this.inBounds ? Health.up() : Health.down()
			.withDetail("reason", "clock skew beyond " + shownSeconds(this.bound) + " s; this replica polls nothing");
		return health.withDetail("skewSeconds", shownSeconds(measured.skew())).build();
	}

	/** For logs and health: rounded to the millisecond, where a bind value is cut to it. */
	private static double shownSeconds(Duration duration) {
		return Math.round(duration.toNanos() / 1e6) / 1e3;
	}

	/**
	 * One measurement.
	 *
	 * @param skew this replica's clock minus the database's
	 * @param uncertainty half the round trip of the sample it came from
	 */
	record Measurement(Duration skew, Duration uncertainty) {

		Duration worstCase() {
			return this.skew.abs().plus(this.uncertainty);
		}

	}

}
