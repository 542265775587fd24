package io.c2cgateway.stats;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.BenchmarkMachine;
import io.c2cgateway.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin's lists and stats over a large fleet: seeds {@code benchmark.pairings} pairings (default
 * 1,000,000, 90 days of history over 20 models and 50 stations, 5,000 of them pending) and two
 * devices for every five pairings straight into the test database (the row triggers keeping the stats' counts fire for
 * each), then calls each list filter and the stats one at a time, after 20 unmeasured calls, and
 * prints their latency. Prints figures and asserts only that every answer was 200. Run with:
 *
 * <pre>
 * ./mvnw test -Dtest=ListsAtScaleBenchmark -Dbenchmark=true -Dbenchmark.pairings=1000000
 * </pre>
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class ListsAtScaleBenchmark extends IntegrationTest {

	@org.springframework.beans.factory.annotation.Autowired
	private javax.sql.DataSource dataSource;

	@Test
	void listsAndStatsOverAMillionPairings() {
		int pairings = Integer.getInteger("benchmark.pairings", 1_000_000);
		int calls = Integer.getInteger("benchmark.calls", 200);
		BenchmarkMachine.print("lists and stats at scale");
		Instant now = this.clock.instant();
		long seeding = System.nanoTime();
		seed(pairings, now);
		System.out.printf("seeded %,d pairings and %,d devices in %.1f s%n", pairings, devices(pairings),
				(System.nanoTime() - seeding) / 1e9);

		String range = "&createdAfter=" + now.minus(30, ChronoUnit.DAYS) + "&createdBefore=" + now.minus(10, ChronoUnit.DAYS);
		Map<String, String> scenarios = new LinkedHashMap<>();
		scenarios.put("newest first, no filter", "/api/v1/pairings");
		scenarios.put("status=FAILED (2%)", "/api/v1/pairings?status=FAILED");
		scenarios.put("status=PENDING", "/api/v1/pairings?status=PENDING");
		scenarios.put("model=scale-7", "/api/v1/pairings?model=scale-7");
		scenarios.put("model matching nothing", "/api/v1/pairings?model=scale-none");
		scenarios.put("deviceId", "/api/v1/pairings?deviceId=SCALE-12345");
		scenarios.put("status=FAILED, model, 20-day range", "/api/v1/pairings?status=FAILED&model=scale-3" + range);
		scenarios.put("status=DENIED,CANCELLED and model", "/api/v1/pairings?status=DENIED&status=CANCELLED&model=scale-11");
		scenarios.put("model, page 20 (cursor)", null);
		scenarios.put("stats", "/api/v1/stats");
		scenarios.put("devices state=REAUTH_REQUIRED", "/api/v1/devices?state=REAUTH_REQUIRED");
		scenarios.put("devices refreshExpiresBefore", "/api/v1/devices?refreshExpiresBefore=" + now.minus(300, ChronoUnit.DAYS));
		scenarios.put("devices model", "/api/v1/devices?model=scale-5");

		Api admin = admin();
		System.out.printf("%-40s %10s %10s %10s  (ms, %d calls each, one at a time)%n", "call", "p50", "p99", "max", calls);
		for (Map.Entry<String, String> scenario : scenarios.entrySet()) {
			String path = (scenario.getValue() != null) ? scenario.getValue() : deepPage(admin, "/api/v1/pairings?model=scale-7", 20);
			for (int i = 0; i < 20; i++) {
				assertThat(admin.get(path).status()).isEqualTo(200);
			}
			List<Double> millis = new ArrayList<>(calls);
			for (int i = 0; i < calls; i++) {
				long start = System.nanoTime();
				Api.Response response = admin.get(path);
				millis.add((System.nanoTime() - start) / 1e6);
				assertThat(response.status()).as(path).isEqualTo(200);
			}
			millis.sort(Double::compare);
			System.out.printf("%-40s %10.2f %10.2f %10.2f%n", scenario.getKey(), millis.get(calls / 2),
					millis.get((int) Math.ceil(calls * 0.99) - 1), millis.get(calls - 1));
		}
		BenchmarkMachine.print("lists and stats at scale, end");
	}

	/** The path of the {@code pages}-th page, following cursors. */
	private static String deepPage(Api admin, String first, int pages) {
		String path = first;
		for (int i = 1; i < pages; i++) {
			String cursor = admin.get(path).json().path("nextCursor").asString();
			path = first + "&cursor=" + cursor;
		}
		return path;
	}

	private void seed(int pairings, Instant now) {
		// Through a connection of its own: the seeding statements run for minutes, far beyond the
		// query timeout the gateway's JdbcClient sets.
		try (java.sql.Connection connection = this.dataSource.getConnection();
				java.sql.Statement statement = connection.createStatement()) {
			String at = "timestamptz '" + now + "'";
			statement.execute("""
				insert into device_model (model, client_secret_enc, scope, default_client_version, url_pairing,
				    secret_updated_at, created_at, updated_at)
				select 'scale-' || m, 'not-a-secret', 'offline', '1.0.0', false, now(), now(), now()
				from generate_series(0, 19) as m
				on conflict do nothing
				""");
		// 90 days of history at an even pace; the first 5,000 are recent and pending.
		this.jdbc.sql("""
				insert into pairing (id, device_id, model, client_version, url_pairing, status, codes_issued, interval_s,
				    expires_at, created_at, updated_at, completed_at, failure_reason, created_by, created_by_key_id, version,
				    next_poll_at)
				select md5('scale-p' || g)::uuid,
				       case when g <= 5000 then 'SCALE-P-' || g else 'SCALE-' || (g % :devices) end,
				       'scale-' || (g % 20), '1.0.0', false,
				       case when g <= 5000 then 'PENDING'
				            when g % 100 < 70 then 'AUTHORIZED' when g % 100 < 85 then 'EXPIRED'
				            when g % 100 < 88 then 'DENIED' when g % 100 < 90 then 'FAILED' else 'CANCELLED' end,
				       1, 5,
				       :now - g * interval '7776 milliseconds' + interval '15 minutes',
				       :now - g * interval '7776 milliseconds',
				       :now - g * interval '7776 milliseconds',
				       case when g > 5000 then :now - g * interval '7776 milliseconds' + interval '2 minutes' end,
				       case when g > 5000 and g % 100 between 88 and 89 then 'invalid_grant' end,
				       'station-' || (g % 50), md5('scale-k' || (g % 50))::uuid, 1,
				       case when g <= 5000 then :now + interval '1 hour' end
				from generate_series(1, :n) as g
				""".replace(":now", at).replace(":n", Integer.toString(pairings)).replace(":devices", Integer.toString(devices(pairings))));
			statement.execute("""
				insert into device (device_id, model, client_version, state, paired_at, last_pairing_id,
				    refresh_token_issued_at, refresh_token_expires_at)
				select 'SCALE-' || d, 'scale-' || (d % 20), '1.0.0',
				       case when d % 50 = 0 then 'REVOKED' when d % 97 = 0 then 'REAUTH_REQUIRED' else 'PAIRED' end,
				       :now - d * interval '19 seconds', md5('scale-p' || d)::uuid,
				       :now - d * interval '19 seconds', :now - d * interval '19 seconds' + interval '365 days'
				from generate_series(0, :devices - 1) as d
				""".replace(":now", at).replace(":devices", Integer.toString(devices(pairings))));
			statement.execute("analyze pairing");
			statement.execute("analyze device");
		}
		catch (java.sql.SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Two devices for every five pairings, as in a fleet that re-pairs now and then. */
	private static int devices(int pairings) {
		return pairings / 5 * 2;
	}

}
