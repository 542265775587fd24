package io.c2cgateway.frameio;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import static io.c2cgateway.system.SqlTime.utc;

/** The SQL of the fleet's rate budget: pauses per model and endpoint, and the global token bucket. */
@Repository
class RateBudgetStore {

	private static final int BUCKET = 1;

	private final JdbcClient jdbc;

	RateBudgetStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Records a pause; a later pause that another replica recorded already stays. */
	void pause(String model, String endpoint, Instant until, Duration backoff, String cause, String by) {
		this.jdbc.sql("""
				insert into frameio_rate_pause (model, endpoint, paused_until, backoff_ms, cause, updated_at, updated_by)
				values (:model, :endpoint, :until, :backoff, :cause, now(), :by)
				on conflict (model, endpoint) do update set
				    paused_until = greatest(frameio_rate_pause.paused_until, excluded.paused_until),
				    backoff_ms = excluded.backoff_ms, cause = excluded.cause, updated_at = now(),
				    updated_by = excluded.updated_by
				""")
			.param("model", model)
			.param("endpoint", endpoint)
			.param("until", utc(until))
			.param("backoff", backoff.toMillis())
			.param("cause", cause)
			.param("by", by)
			.update();
	}

	/** The pauses that last beyond {@code now} (domain time). */
	List<Pause> activePauses(Instant now) {
		return this.jdbc.sql("""
				select model, endpoint, paused_until, backoff_ms from frameio_rate_pause where paused_until > :now
				""")
			.param("now", utc(now))
			.query((rs, row) -> new Pause(rs.getString("model"), rs.getString("endpoint"),
					rs.getTimestamp("paused_until").toInstant(), Duration.ofMillis(rs.getLong("backoff_ms"))))
			.list();
	}

	/**
	 * Takes up to {@code want} whole tokens from the shared bucket, refilled at {@code rate} per
	 * second up to {@code burst} by the database's clock; returns how many it got.
	 */
	int take(int want, double rate, double burst) {
		this.jdbc.sql("insert into frameio_rate_bucket (id, tokens, refilled_at) values (:id, :burst, now()) "
				+ "on conflict (id) do nothing").param("id", BUCKET).param("burst", burst).update();
		Integer granted = this.jdbc.sql("""
				with b as (
				    select least(:burst, tokens + extract(epoch from (now() - refilled_at)) * :rate) as avail
				    from frameio_rate_bucket where id = :id for update),
				g as (select avail, greatest(0, least(floor(avail), :want))::int as granted from b)
				update frameio_rate_bucket set tokens = g.avail - g.granted, refilled_at = now()
				from g where id = :id
				returning g.granted
				""")
			.param("burst", burst)
			.param("rate", rate)
			.param("want", want)
			.param("id", BUCKET)
			.query(Integer.class)
			.optional()
			.orElse(0);
		return granted;
	}

	record Pause(String model, String endpoint, Instant until, Duration backoff) {
	}

}
