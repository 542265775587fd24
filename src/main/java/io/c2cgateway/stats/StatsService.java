package io.c2cgateway.stats;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.system.SqlTime;

/**
 * Pairings by status and devices by state, every value of the contract present, zeros included,
 * and (for the console's chart) finished pairings per hour.
 * A read-only report over two tables; giving the pairing and device services a public method
 * each for one GROUP BY would buy nothing.
 */
@Service
public class StatsService {

	static final List<String> PAIRING_STATUSES = PairingStatus.NAMES;

	public static final List<String> TERMINAL_STATUSES = PAIRING_STATUSES.subList(1, PAIRING_STATUSES.size());

	static final List<String> DEVICE_STATES = List.of("PAIRED", "REAUTH_REQUIRED", "REVOKED");

	private final JdbcClient jdbc;

	StatsService(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * One snapshot: both counts come from the same transaction. They are read from the counts that
	 * triggers keep as rows come, go and change status (V23), not counted over the tables, so the
	 * answer costs the same at a million pairings as at ten.
	 */
	@Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
	public Stats current() {
		return new Stats(
				count("select value, sum(n) as n from status_count where kind = 'pairing' group by value", PAIRING_STATUSES),
				count("select value, sum(n) as n from status_count where kind = 'device' group by value", DEVICE_STATES));
	}

	private Map<String, Long> count(String sql, List<String> values) {
		Map<String, Long> counts = new LinkedHashMap<>();
		values.forEach((value) -> counts.put(value, 0L));
		this.jdbc.sql(sql).query((rs) -> {
			counts.put(rs.getString("value"), rs.getLong("n"));
		});
		return counts;
	}

	/**
	 * Pairings that finished in each of the {@code hours} whole hours up to the one {@code now} is
	 * in (UTC), by outcome, oldest hour first; every hour and every terminal status present, zeros
	 * included. Served by the index on finished pairings' {@code completed_at}.
	 */
	@Transactional(readOnly = true)
	public List<Hour> finishedPerHour(Instant now, int hours) {
		Instant last = now.truncatedTo(ChronoUnit.HOURS);
		Instant first = last.minus(hours - 1L, ChronoUnit.HOURS);
		Map<Instant, Map<String, Long>> byHour = new LinkedHashMap<>();
		for (int i = 0; i < hours; i++) {
			Map<String, Long> counts = new LinkedHashMap<>();
			TERMINAL_STATUSES.forEach((status) -> counts.put(status, 0L));
			byHour.put(first.plus(i, ChronoUnit.HOURS), counts);
		}
		this.jdbc.sql("select date_trunc('hour', completed_at at time zone 'UTC') at time zone 'UTC' as hour, status,"
				+ " count(*) as n from pairing where status <> 'PENDING' and completed_at >= ? and completed_at < ?"
				+ " group by 1, 2")
			.params(SqlTime.utc(first), SqlTime.utc(last.plus(1, ChronoUnit.HOURS)))
			.query((rs) -> {
				Map<String, Long> counts = byHour.get(SqlTime.instant(rs, "hour"));
				if (counts != null) {
					counts.put(rs.getString("status"), rs.getLong("n"));
				}
			});
		return byHour.entrySet().stream().map((entry) -> new Hour(entry.getKey(), entry.getValue())).toList();
	}

	/** One hour's finished pairings by outcome; {@code start} is the hour's first instant. */
	public record Hour(Instant start, Map<String, Long> finished) {

		public long total() {
			return this.finished.values().stream().mapToLong(Long::longValue).sum();
		}

	}

	public record Stats(Map<String, Long> pairings, Map<String, Long> devices) {
	}

}
