package io.c2cgateway.polling;

import java.io.IOException;
import java.net.URI;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import io.c2cgateway.C2cGatewayApplication;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.BenchmarkMachine;
import io.c2cgateway.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The poll engine's cost of webhooks: like {@link PollEngineBenchmark} (20,000 pending pairings,
 * background engine, system clock), but the Frame.io stand-in ends a steady fraction of the polls
 * ({@code benchmark.end-percent}, with tokens or, with {@code benchmark.ending=deny},
 * {@code access_denied}) and the harness inserts a new pending pairing for every one that ended, so
 * the pending count stays where it started. The engine writes a webhook event only when a pairing
 * ends, so this is the load under which webhooks can cost it anything.
 *
 * <p>With {@code benchmark.webhook=true} one endpoint subscribed to {@code *} points at a receiver in
 * this JVM that answers 204 at once, and the delivery workers run in the background as in
 * production; with {@code false} the workers run too but no endpoint exists. Run the two
 * alternately, each in its own JVM:
 *
 * <pre>
 * ./mvnw test -Dtest=PollEngineWebhookBenchmark -Dbenchmark=true -Dbenchmark.webhook=false
 * ./mvnw test -Dtest=PollEngineWebhookBenchmark -Dbenchmark=true -Dbenchmark.webhook=true
 * </pre>
 *
 * Prints figures (polls/s, lateness, pairings ended/s, events delivered/s, CPU of this JVM and of
 * its PostgreSQL, load average); asserts only that the endpoint was created and, with webhooks,
 * that events were delivered.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class PollEngineWebhookBenchmark {

	private static final int INTERVAL_SECONDS = 5;

	private final Map<String, Long> lastArrival = new ConcurrentHashMap<>();

	private final Recorder lateness = new Recorder(3);

	private final AtomicLong polls = new AtomicLong();

	private final AtomicLong ended = new AtomicLong();

	private final AtomicLong tooSoon = new AtomicLong();

	private final AtomicLong received = new AtomicLong();

	@Test
	void pollManyPendingPairingsWhileSomeEnd() throws Exception {
		int pairings = Integer.getInteger("benchmark.pairings", 20_000);
		int seconds = Integer.getInteger("benchmark.seconds", 60);
		int warmUp = Integer.getInteger("benchmark.warmup-seconds", 20);
		double endFraction = Double.parseDouble(System.getProperty("benchmark.end-percent", "1")) / 100.0;
		boolean deny = "deny".equals(System.getProperty("benchmark.ending", "authorize"));
		boolean webhook = Boolean.getBoolean("benchmark.webhook");
		String loadAtStart = loadAverage();
		System.out.println(BenchmarkMachine.describe());
		DisposableServer upstream = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.post("/v2/auth/token",
					(request, response) -> request.receive().aggregate().asString().flatMap((body) -> {
						boolean end = ThreadLocalRandom.current().nextDouble() < endFraction;
						record(body, end);
						if (!end) {
							return response.status(400)
								.header("Content-Type", "application/json")
								.sendString(Mono.just("{\"error\":\"authorization_pending\"}"))
								.then();
						}
						if (deny) {
							return response.status(400)
								.header("Content-Type", "application/json")
								.sendString(Mono.just("{\"error\":\"access_denied\"}"))
								.then();
						}
						return response.status(200)
							.header("Content-Type", "application/json")
							.sendString(Mono.just("{\"access_token\":\"at-" + UUID.randomUUID() + "\",\"refresh_token\":\"rt-"
									+ UUID.randomUUID() + "\",\"expires_in\":28800,\"token_type\":\"bearer\"}"))
							.then();
					})))
			.bindNow();
		DisposableServer receiver = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.post("/hook", (request, response) -> request.receive().then(Mono.defer(() -> {
				this.received.incrementAndGet();
				return response.status(204).send().then();
			}))))
			.bindNow();
		Map<String, Object> properties = new HashMap<>(TestDatabase.properties());
		properties.put("server.port", "0");
		properties.put("gateway.instance-id", "bench");
		properties.put("gateway.polling.enabled", "true");
		// Delivery workers run in both variants, as on every production replica; only the endpoint differs.
		properties.put("gateway.webhooks.enabled", "true");
		properties.put("gateway.frameio.base-url", "http://127.0.0.1:" + upstream.port());
		properties.put("gateway.frameio.timeout", "5s");
		properties.put("logging.level.root", "warn");
		// The same INFO line per ended pairing in both variants, but the console of a test run is slow to write.
		properties.put("logging.level.io.c2cgateway", "warn");
		ScheduledExecutorService refill = Executors.newSingleThreadScheduledExecutor();
		try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(C2cGatewayApplication.class)
			.profiles("test")
			// As arguments: they must win over the test profile's settings.
			.run(properties.entrySet().stream().map((e) -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new))) {
			int port = Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
			Api admin = Api.at(port).asAdmin();
			String model = "bench-" + UUID.randomUUID().toString().substring(0, 6);
			admin.put("/api/v1/device-models/" + model, "{\"clientSecret\": \"bench-secret\"}");
			if (webhook) {
				Api.Response created = admin.post("/api/v1/webhooks", "{\"url\": \"http://127.0.0.1:" + receiver.port()
						+ "/hook\", \"events\": [\"*\"]}");
				assertThat(created.status()).as(created.body()).isEqualTo(201);
			}
			JdbcTemplate jdbc = gateway.getBean(JdbcTemplate.class);
			SecretBox box = gateway.getBean(SecretBox.class);
			PollEngineBenchmark.insertPendingPairings(jdbc, box, model, "BENCH-", pairings);
			AtomicLong added = new AtomicLong();
			// One new pending pairing for every one the stand-in ended: the pending count stays level.
			refill.scheduleWithFixedDelay(() -> {
				int missing = (int) (this.ended.get() - added.get());
				if (missing > 0) {
					PollEngineBenchmark.insertPendingPairings(jdbc, box, model, "BENCH-R" + added.get() + "-", missing);
					added.addAndGet(missing);
				}
			}, 100, 100, TimeUnit.MILLISECONDS);
			System.out.printf("inserted %d pending pairings; webhook endpoint: %s; warming up %d s%n", pairings,
					webhook ? "one, subscribed to *" : "none", warmUp);
			Thread.sleep(warmUp * 1000L);

			String loadBefore = loadAverage();
			long pollsBefore = this.polls.get();
			long endedBefore = this.ended.get();
			long receivedBefore = this.received.get();
			this.lateness.reset();
			this.tooSoon.set(0);
			String postgresPort = String.valueOf(URI.create(properties.get("spring.datasource.url").toString().substring(5)).getPort());
			Map<String, Long> writesBefore = writesByTable(jdbc);
			long[] cpuBefore = cpuNanos(postgresPort);
			Instant windowStart = Instant.now();
			long started = System.nanoTime();
			Thread.sleep(seconds * 1000L);
			double elapsed = (System.nanoTime() - started) / 1e9;
			long[] cpuAfter = cpuNanos(postgresPort);
			Instant windowEnd = Instant.now();
			long measuredPolls = this.polls.get() - pollsBefore;
			long measuredEnded = this.ended.get() - endedBefore;
			long measuredReceived = this.received.get() - receivedBefore;
			Histogram histogram = this.lateness.getIntervalHistogram();
			String loadAfter = loadAverage();
			refill.shutdown();
			refill.awaitTermination(10, TimeUnit.SECONDS);
			// Statistics reach pg_stat_user_tables with a lag of up to a second.
			jdbc.execute("select pg_sleep(1.5)");
			Map<String, Long> writesAfter = writesByTable(jdbc);
			StringBuilder writes = new StringBuilder();
			long allWrites = 0;
			for (Map.Entry<String, Long> table : new java.util.TreeMap<>(writesAfter).entrySet()) {
				long delta = table.getValue() - writesBefore.getOrDefault(table.getKey(), 0L);
				allWrites += delta;
				if (delta > 0) {
					writes.append(String.format(" %s %.2f;", table.getKey(), delta / (double) Math.max(1, measuredEnded)));
				}
			}

			long pending = jdbc.queryForObject("select count(*) from pairing where status = 'PENDING'", Long.class);
			Map<String, Object> deliveries = jdbc.queryForMap("""
					select count(*) filter (where status = 'DELIVERED' and delivered_at >= ? and delivered_at < ?) as delivered,
					    count(*) filter (where status = 'PENDING') as waiting,
					    count(*) filter (where status = 'FAILED') as failed,
					    coalesce(percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at))
					        filter (where delivered_at >= ? and delivered_at < ?), 0) * 1000 as lag_p50,
					    coalesce(percentile_cont(0.99) within group (order by extract(epoch from delivered_at - created_at))
					        filter (where delivered_at >= ? and delivered_at < ?), 0) * 1000 as lag_p99
					from webhook_delivery
					""", utc(windowStart), utc(windowEnd), utc(windowStart), utc(windowEnd), utc(windowStart),
					utc(windowEnd));
			if (webhook) {
				assertThat(measuredReceived).as("events delivered during the window").isPositive();
			}
			System.out.println();
			System.out.println("=== poll engine benchmark: pairings ending, webhooks " + (webhook ? "ON" : "OFF") + " ===");
			System.out.printf("load average 1/5/15 min  at start %s; before the window %s; after it %s%n", loadAtStart,
					loadBefore, loadAfter);
			System.out.printf("pending pairings         %d at start, %d after the window (held by this replica: %d)%n",
					pairings, pending, gateway.getBean(PollEngine.class).trackedCount());
			System.out.printf("measured for             %.1f s%n", elapsed);
			System.out.printf("polls                    %d (%.0f/s; ideal %.0f/s, %.1f %%)%n", measuredPolls,
					measuredPolls / elapsed, pairings / (double) INTERVAL_SECONDS,
					100.0 * measuredPolls / elapsed / (pairings / (double) INTERVAL_SECONDS));
			System.out.printf("lateness p50/p99/p99.9/max  %d / %d / %d / %d ms; polls sooner than interval %d%n",
					histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99),
					histogram.getValueAtPercentile(99.9), histogram.getMaxValue(), this.tooSoon.get());
			System.out.printf("pairings ended           %d (%.1f/s; %s, %.2f %% of polls)%n", measuredEnded,
					measuredEnded / elapsed, deny ? "DENIED" : "AUTHORIZED", 100.0 * endFraction);
			System.out.printf("webhook events delivered %d received (%.1f/s); DELIVERED in the window %s, lag p50/p99 %.0f / %.0f ms"
					+ " (created to delivered); still pending after it %s, failed %s%n", measuredReceived,
					measuredReceived / elapsed, deliveries.get("delivered"),
					((Number) deliveries.get("lag_p50")).doubleValue(), ((Number) deliveries.get("lag_p99")).doubleValue(),
					deliveries.get("waiting"), deliveries.get("failed"));
			double jvm = (cpuAfter[0] - cpuBefore[0]) / 1e9;
			double postgres = (cpuAfter[1] - cpuBefore[1]) / 1e9;
			System.out.printf("CPU in the window        this JVM (gateway, stand-in, receiver, harness) %.1f s = %.0f %% of a core;"
					+ " its PostgreSQL %.1f s = %.0f %%; together %.2f ms per poll%n", jvm, 100 * jvm / elapsed, postgres,
					100 * postgres / elapsed, 1000 * (jvm + postgres) / Math.max(1, measuredPolls));
			System.out.printf("row writes               %.3f per poll; per ended pairing, by table:%s%n",
					allWrites / (double) Math.max(1, measuredPolls), writes);
			System.out.println("=============================");
		}
		finally {
			refill.shutdownNow();
			receiver.disposeNow();
			upstream.disposeNow();
		}
	}

	private void record(String form, boolean end) {
		long now = System.nanoTime();
		String code = null;
		for (String pair : form.split("&")) {
			if (pair.startsWith("device_code=")) {
				code = java.net.URLDecoder.decode(pair.substring(12), StandardCharsets.UTF_8);
			}
		}
		this.polls.incrementAndGet();
		Long previous = end ? this.lastArrival.remove(code) : this.lastArrival.put(code, now);
		if (end) {
			this.ended.incrementAndGet();
		}
		if (previous != null) {
			long gapMicros = (now - previous) / 1_000;
			if (gapMicros < INTERVAL_SECONDS * 1_000_000L) {
				this.tooSoon.incrementAndGet();
			}
			this.lateness.recordValue(Math.max(0, gapMicros / 1_000 - INTERVAL_SECONDS * 1000L));
		}
	}

	private static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + " / " + fields[1] + " / " + fields[2];
		}
		catch (IOException ex) {
			return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
		}
	}

	/**
	 * CPU time of this JVM and of the PostgreSQL server that listens on {@code port} (the postmaster,
	 * which runs detached, and its backends; they live as long as the pools' connections, so a
	 * window misses none).
	 */
	private static long[] cpuNanos(String port) {
		long jvm = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
		long postgres = ProcessHandle.allProcesses()
			.filter((process) -> process.info().command().map((command) -> command.endsWith("/postgres")).orElse(false))
			.filter((process) -> String.join(" ", process.info().arguments().orElse(new String[0]))
				.contains("-p " + port + " "))
			.flatMap((postmaster) -> Stream.concat(Stream.of(postmaster), postmaster.descendants()))
			.mapToLong((process) -> process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
			.sum();
		return new long[] { jvm, postgres };
	}

	/** Inserted + updated + deleted rows per table since the database started. */
	private static Map<String, Long> writesByTable(JdbcTemplate jdbc) {
		jdbc.execute("select pg_stat_force_next_flush()");
		Map<String, Long> writes = new HashMap<>();
		jdbc.query("select relname, n_tup_ins + n_tup_upd + n_tup_del as writes from pg_stat_user_tables",
				(row) -> {
					writes.put(row.getString("relname"), row.getLong("writes"));
				});
		return writes;
	}

	private static OffsetDateTime utc(Instant instant) {
		return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

}
