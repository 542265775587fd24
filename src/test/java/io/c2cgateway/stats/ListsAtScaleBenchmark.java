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
import io.c2cgateway.support.FleetSeed;
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
		FleetSeed.write(this.dataSource, pairings, now);
		System.out.printf("seeded %,d pairings and %,d devices in %.1f s%n", pairings, FleetSeed.devices(pairings),
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

}
