package io.c2cgateway.stats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Pairings by status and devices by state, every value of the contract present, zeros included.
 * A read-only report over two tables; giving the pairing and device services a public method
 * each for one GROUP BY would buy nothing.
 */
@Service
class StatsService {

	static final List<String> PAIRING_STATUSES = List.of("PENDING", "AUTHORIZED", "EXPIRED", "DENIED", "FAILED",
			"CANCELLED");

	static final List<String> DEVICE_STATES = List.of("PAIRED", "REAUTH_REQUIRED", "REVOKED");

	private final JdbcClient jdbc;

	StatsService(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** One snapshot: both counts come from the same transaction. */
	@Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
	Stats current() {
		return new Stats(count("select status as value, count(*) as n from pairing group by status", PAIRING_STATUSES),
				count("select state as value, count(*) as n from device group by state", DEVICE_STATES));
	}

	private Map<String, Long> count(String sql, List<String> values) {
		Map<String, Long> counts = new LinkedHashMap<>();
		values.forEach((value) -> counts.put(value, 0L));
		this.jdbc.sql(sql).query((rs) -> {
			counts.put(rs.getString("value"), rs.getLong("n"));
		});
		return counts;
	}

	record Stats(Map<String, Long> pairings, Map<String, Long> devices) {
	}

}
