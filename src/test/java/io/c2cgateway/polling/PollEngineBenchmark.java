package io.c2cgateway.polling;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

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
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.BenchmarkMachine;
import io.c2cgateway.support.TestDatabase;

/**
 * How the poll engine of one replica holds up under many pending pairings: a Frame.io stand-in
 * answers every poll with {@code authorization_pending} at once and records when each code's polls
 * arrive; the gateway runs as in production (background engine, system clock). Prints figures,
 * asserts nothing about time. Run with:
 *
 * <pre>
 * ./mvnw test -Dtest=PollEngineBenchmark -Dbenchmark=true -Dbenchmark.pairings=20000 -Dbenchmark.seconds=60
 * </pre>
 *
 * adding {@code -Dbenchmark.jdbc-url=jdbc:postgresql://host/db} to measure against a PostgreSQL
 * of one's own (the embedded one of the tests runs without fsync).
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class PollEngineBenchmark {

	private static final int INTERVAL_SECONDS = 5;

	private final Map<String, Long> lastArrival = new ConcurrentHashMap<>();

	private final Recorder lateness = new Recorder(3);

	private final AtomicLong polls = new AtomicLong();

	private final AtomicLong tooSoon = new AtomicLong();

	private final AtomicLong shortestGapMicros = new AtomicLong(Long.MAX_VALUE);

	/** Nanos when the measured window started; 0 before. Polls are also counted per second of it. */
	private volatile long windowStartNanos;

	private volatile java.util.concurrent.atomic.AtomicLongArray pollsBySecond = new java.util.concurrent.atomic.AtomicLongArray(0);

	/** Per second of the window, how late the latest poll that arrived in it was, at most. */
	private volatile java.util.concurrent.atomic.AtomicLongArray worstLatenessBySecond = new java.util.concurrent.atomic.AtomicLongArray(0);

	@Test
	void pollManyPendingPairings() throws Exception {
		int pairings = Integer.getInteger("benchmark.pairings", 20_000);
		int seconds = Integer.getInteger("benchmark.seconds", 60);
		// Before anything of the run loads the machine: the figures mean little without it.
		String machine = BenchmarkMachine.describe();
		System.out.println(machine);
		// Frame.io answers from across the internet, not in microseconds: with a delay, polls hold their
		// concurrency permits (and connections) that much longer, which is what sizes a replica for real.
		Duration upstreamDelay = Duration.ofMillis(Long.getLong("benchmark.upstream-delay-ms", 0));
		// -Dbenchmark.stand-in-loop=own: an event loop of its own, so that the thread CPU below tells the
		// gateway's client from Frame.io's stand-in. By default both share Reactor Netty's loop, as in
		// every figure before it; two more threads on two cores cost some throughput.
		reactor.netty.resources.LoopResources standInLoop = "own".equals(System.getProperty("benchmark.stand-in-loop"))
				? reactor.netty.resources.LoopResources.create("stand-in", 2, true) : null;
		HttpServer standIn = (standInLoop != null) ? HttpServer.create().runOn(standInLoop) : HttpServer.create();
		DisposableServer upstream = standIn
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.post("/v2/auth/token",
					(request, response) -> request.receive().aggregate().asString().flatMap((body) -> {
						record(body);
						Mono<Void> answered = response.status(400)
							.header("Content-Type", "application/json")
							.sendString(Mono.just("{\"error\":\"authorization_pending\"}"))
							.then();
						return upstreamDelay.isZero() ? answered : Mono.delay(upstreamDelay).then(answered);
					})))
			.bindNow();
		Map<String, Object> properties = new java.util.HashMap<>();
		String jdbcUrl = System.getProperty("benchmark.jdbc-url");
		if (jdbcUrl != null) {
			// A PostgreSQL of one's own, with durable commits, instead of the tests' throw-away one.
			properties.put("spring.datasource.url", jdbcUrl);
			properties.put("spring.datasource.username", System.getProperty("benchmark.jdbc-user", "postgres"));
			properties.put("spring.datasource.password", System.getProperty("benchmark.jdbc-password", ""));
		}
		else {
			properties.putAll(TestDatabase.properties());
		}
		properties.put("server.port", "0");
		properties.put("gateway.instance-id", "bench");
		properties.put("gateway.polling.enabled", "true");
		properties.put("gateway.frameio.base-url", "http://127.0.0.1:" + upstream.port());
		properties.put("gateway.frameio.timeout", "5s");
		properties.put("logging.level.root", "warn");
		try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(C2cGatewayApplication.class)
			.profiles("test")
			// As arguments: they must win over the test profile's settings.
			.run(properties.entrySet().stream().map((e) -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new))) {
			int port = Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
			String model = "bench-" + UUID.randomUUID().toString().substring(0, 6);
			Api.at(port).asAdmin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"bench-secret\"}");
			JdbcTemplate jdbc = gateway.getBean(JdbcTemplate.class);
			insertPendingPairings(jdbc, gateway.getBean(SecretBox.class), model, pairings);
			System.out.printf("inserted %d pending pairings; warming up for %d s%n", pairings,
					Integer.getInteger("benchmark.warmup-seconds", 20));
			Thread.sleep(Integer.getInteger("benchmark.warmup-seconds", 20) * 1000L);
			// Row writes are divided by the polls made between the two readings of the write counters,
			// not by the polls of the measured window: the after-reading used to come 1.5 s after the
			// window, so a second and a half of polls had their writes counted and not themselves.
			long pollsAtWritesBefore = this.polls.get();
			long writesBefore = writes(jdbc);
			Map<String, Long> tablesBefore = writesByTable(jdbc);
			long[] hotBefore = pairingUpdates(jdbc);
			long pollsBefore = this.polls.get();
			WindowFacts factsBefore = WindowFacts.read(jdbc);
			Map<String, Long> threadCpuBefore = threadCpuByGroup();
			long[] boxBefore = boxCpuTicks();
			long[] processesBefore = processCpuTicks();
			this.pollsBySecond = new java.util.concurrent.atomic.AtomicLongArray(seconds + 1);
			this.worstLatenessBySecond = new java.util.concurrent.atomic.AtomicLongArray(seconds + 1);
			this.lateness.reset();
			this.tooSoon.set(0);
			this.shortestGapMicros.set(Long.MAX_VALUE);
			long started = System.nanoTime();
			this.windowStartNanos = started;
			Thread.sleep(seconds * 1000L);
			double elapsed = (System.nanoTime() - started) / 1e9;
			this.windowStartNanos = 0;
			WindowFacts factsAfter = WindowFacts.read(jdbc);
			Map<String, Long> threadCpuAfter = threadCpuByGroup();
			long[] boxAfter = boxCpuTicks();
			long[] processesAfter = processCpuTicks();
			long measuredPolls = this.polls.get() - pollsBefore;
			long measuredWrites = writes(jdbc) - writesBefore;
			Map<String, Long> tablesAfter = writesByTable(jdbc);
			long pollsBetweenWriteReadings = this.polls.get() - pollsAtWritesBefore;
			long[] hotAfter = pairingUpdates(jdbc);
			Histogram histogram = this.lateness.getIntervalHistogram();
			long held = gateway.getBean(PollEngine.class).trackedCount();
			// With the engine stopped and its pairings handed back, the JIT as warm as the engine had it.
			gateway.getBean(PollEngine.class).stop();
			double ceiling = ceiling(gateway.getBean(io.c2cgateway.frameio.FrameioClient.class), model,
					gateway.getBean(PollingProperties.class).maxConcurrentPolls());
			System.out.println();
			System.out.println("=== poll engine benchmark ===");
			System.out.printf("pending pairings        %d (held by this replica: %d)%n", pairings, held);
			System.out.printf("%s%n", machine);
			System.out.printf("measured for            %.1f s; upstream answers after %d ms; %d polls in flight at most%n",
					elapsed, upstreamDelay.toMillis(), gateway.getBean(PollingProperties.class).maxConcurrentPolls());
			System.out.printf("polls                   %d (%.0f/s; ideal %.0f/s)%n", measuredPolls, measuredPolls / elapsed,
					pairings / (double) INTERVAL_SECONDS);
			System.out.printf("lateness p50/p99/p99.9/max  %d / %d / %d / %d ms (gap between a code's polls minus its %d s interval, seen upstream)%n",
					histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99),
					histogram.getValueAtPercentile(99.9), histogram.getMaxValue(), INTERVAL_SECONDS);
			System.out.printf("polls sooner than interval  %d (shortest gap %.3f ms)%n", this.tooSoon.get(),
					this.shortestGapMicros.get() / 1000.0);
			if (this.tooSoon.get() > 0) {
				System.out.printf("FAILURE: %d polls came sooner than their %d s interval (the contract forbids any)%n",
						this.tooSoon.get(), INTERVAL_SECONDS);
			}
			System.out.printf("row writes per poll     %.3f (%d inserted+updated+deleted rows, all tables, for %d polls between the readings)%n",
					measuredWrites / (double) Math.max(1, pollsBetweenWriteReadings), measuredWrites, pollsBetweenWriteReadings);
			for (Map.Entry<String, Long> table : tablesAfter.entrySet()) {
				long written = table.getValue() - tablesBefore.getOrDefault(table.getKey(), 0L);
				if (written > 0) {
					System.out.printf("    %-28s %.4f per poll (%d rows)%n", table.getKey(),
							written / (double) Math.max(1, pollsBetweenWriteReadings), written);
				}
			}
			long updates = hotAfter[0] - hotBefore[0];
			long heapOnly = hotAfter[1] - hotBefore[1];
			System.out.printf("pairing updates heap-only %.1f %% (%d of %d: no index entry written for them)%n",
					100.0 * heapOnly / Math.max(1, updates), heapOnly, updates);
			printSeconds(seconds, pairings / (double) INTERVAL_SECONDS);
			System.out.println(factsAfter.since(factsBefore));
			printThreadCpu(threadCpuBefore, threadCpuAfter, elapsed, measuredPolls);
			printBoxCpu(boxBefore, boxAfter);
			printProcessCpu(processesBefore, processesAfter, elapsed, measuredPolls);
			if (ceiling > 0) {
				System.out.printf("HTTP client ceiling     %.0f polls/s (the gateway's Frame.io client, same stand-in, no database, same concurrency); engine at %.0f%% of it%n",
						ceiling, 100 * measuredPolls / elapsed / ceiling);
			}
			System.out.println("=============================");
		}
		finally {
			upstream.disposeNow();
			if (standInLoop != null) {
				standInLoop.disposeLater().block();
			}
		}
	}

	/**
	 * What the HTTP client alone gets through against the same stand-in, once the engine has stopped:
	 * token polls through the gateway's {@code FrameioClient} (its connection pool, rate budget,
	 * answer parsing) with the engine's concurrency, no database, no scheduling. 5 s of warm-up, then
	 * {@code benchmark.ceiling-seconds} (10) measured; 0 skips it.
	 */
	private double ceiling(io.c2cgateway.frameio.FrameioClient frameio, String model, int concurrency) {
		int seconds = Integer.getInteger("benchmark.ceiling-seconds", 10);
		if (seconds <= 0) {
			return 0;
		}
		io.c2cgateway.frameio.ClientCredentials client = new io.c2cgateway.frameio.ClientCredentials(model,
				"ceiling-client", io.c2cgateway.crypto.Secret.of("bench-secret"), "1.0.0");
		java.util.function.Function<Duration, Long> run = (window) -> reactor.core.publisher.Flux
			.range(0, Integer.MAX_VALUE)
			.flatMap((i) -> frameio.pollToken(client, io.c2cgateway.crypto.Secret.of("ceiling-" + (i % 50_000))),
					concurrency)
			.take(window)
			.count()
			.block();
		run.apply(Duration.ofSeconds(5));
		long started = System.nanoTime();
		long polls = run.apply(Duration.ofSeconds(seconds));
		double rate = polls / ((System.nanoTime() - started) / 1e9);
		System.out.printf("HTTP client ceiling: %d polls in %d s = %.0f/s (concurrency %d)%n", polls, seconds, rate,
				concurrency);
		return rate;
	}

	private void record(String form) {
		long now = System.nanoTime();
		String code = null;
		for (String pair : form.split("&")) {
			if (pair.startsWith("device_code=")) {
				code = java.net.URLDecoder.decode(pair.substring(12), StandardCharsets.UTF_8);
			}
		}
		if (code == null || code.startsWith("ceiling-")) {
			// The ceiling's polls (after the engine's window) are not the engine's.
			return;
		}
		this.polls.incrementAndGet();
		long windowStart = this.windowStartNanos;
		int second = (windowStart == 0) ? -1 : (int) ((now - windowStart) / 1_000_000_000L);
		boolean inWindow = second >= 0 && second < this.pollsBySecond.length();
		if (inWindow) {
			this.pollsBySecond.incrementAndGet(second);
		}
		Long previous = this.lastArrival.put(code, now);
		if (previous != null) {
			long gapMicros = (now - previous) / 1_000;
			this.shortestGapMicros.accumulateAndGet(gapMicros, Math::min);
			long lateMillis = gapMicros / 1_000 - INTERVAL_SECONDS * 1000L;
			if (gapMicros < INTERVAL_SECONDS * 1_000_000L) {
				this.tooSoon.incrementAndGet();
			}
			this.lateness.recordValue(Math.max(0, lateMillis));
			if (inWindow) {
				this.worstLatenessBySecond.accumulateAndGet(second, Math.max(0, lateMillis), Math::max);
			}
		}
	}

	/**
	 * The window second by second: a p99 above a second with nearly every poll made is one stall,
	 * and when it happened says more than the percentile (with the GC and checkpoint lines below).
	 */
	private void printSeconds(int seconds, double ideal) {
		long min = Long.MAX_VALUE;
		int minAt = -1;
		StringBuilder slow = new StringBuilder();
		StringBuilder late = new StringBuilder();
		for (int second = 0; second < seconds; second++) {
			long count = this.pollsBySecond.get(second);
			if (count < min) {
				min = count;
				minAt = second;
			}
			if (count < 0.9 * ideal) {
				slow.append(' ').append(second).append(':').append(count);
			}
			long worst = this.worstLatenessBySecond.get(second);
			if (worst > 1000) {
				late.append(' ').append(second).append(':').append(worst).append("ms");
			}
		}
		System.out.printf("polls by second          fewest %d (second %d); seconds under 90%% of ideal:%s%n", min, minAt,
				(slow.length() == 0) ? " none" : slow);
		System.out.printf("seconds with a poll > 1 s late (worst):%s%n", (late.length() == 0) ? " none" : late);
	}

	/**
	 * CPU time of this JVM's threads, by name with the digits taken out ("reactor-http-epoll-3" →
	 * "reactor-http-epoll-"). The engine has one thread: if it is busy most of the window, the
	 * engine's loop is the ceiling, not the event loops, the database or the permits.
	 */
	private static Map<String, Long> threadCpuByGroup() {
		java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
		Map<String, Long> byGroup = new java.util.TreeMap<>();
		for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
			if (info == null) {
				continue;
			}
			long nanos = threads.getThreadCpuTime(info.getThreadId());
			if (nanos > 0) {
				byGroup.merge(info.getThreadName().replaceAll("[0-9]+", "#"), nanos, Long::sum);
			}
		}
		return byGroup;
	}

	private static void printThreadCpu(Map<String, Long> before, Map<String, Long> after, double seconds, long polls) {
		StringBuilder line = new StringBuilder("thread CPU in the window (share of one core; µs per poll):");
		after.entrySet()
			.stream()
			.map((e) -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
			.filter((e) -> e.getValue() > seconds * 1e9 * 0.01)
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.forEach((e) -> line.append(String.format("%n    %-36s %5.1f %%  %6.1f µs", e.getKey(),
					100 * e.getValue() / (seconds * 1e9), e.getValue() / 1e3 / Math.max(1, polls))));
		System.out.println(line);
	}

	/**
	 * The whole machine's CPU from /proc/stat (Linux; empty elsewhere): busy, idle, I/O wait and
	 * steal ticks. Steal is time the hypervisor gave to someone else, which no code here can win back.
	 */
	private static long[] boxCpuTicks() {
		try {
			String[] fields = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
			long user = Long.parseLong(fields[1]) + Long.parseLong(fields[2]);
			long system = Long.parseLong(fields[3]) + Long.parseLong(fields[6]) + Long.parseLong(fields[7]);
			long idle = Long.parseLong(fields[4]);
			long iowait = Long.parseLong(fields[5]);
			long steal = (fields.length > 8) ? Long.parseLong(fields[8]) : 0;
			return new long[] { user + system, idle, iowait, steal };
		}
		catch (java.io.IOException | RuntimeException ex) {
			return new long[0];
		}
	}

	private static void printBoxCpu(long[] before, long[] after) {
		if (before.length == 0 || after.length == 0) {
			return;
		}
		double total = 0;
		for (int i = 0; i < 4; i++) {
			total += after[i] - before[i];
		}
		int cores = Runtime.getRuntime().availableProcessors();
		System.out.printf("machine CPU in the window busy %.2f of %d cores, idle %.2f, I/O wait %.2f, stolen %.2f%n",
				cores * (after[0] - before[0]) / total, cores, cores * (after[1] - before[1]) / total,
				cores * (after[2] - before[2]) / total, cores * (after[3] - before[3]) / total);
	}

	/**
	 * CPU ticks (user + system) of this JVM and of every PostgreSQL process, from /proc (Linux;
	 * empty elsewhere): the database's share of a poll, which no thread of this JVM shows.
	 * A backend that exits inside the window takes its ticks with it; the pools keep theirs open.
	 */
	private static long[] processCpuTicks() {
		long self = ProcessHandle.current().pid();
		long jvm = 0;
		long postgres = 0;
		try (java.util.stream.Stream<java.nio.file.Path> entries = java.nio.file.Files.list(java.nio.file.Path.of("/proc"))) {
			for (java.nio.file.Path entry : (Iterable<java.nio.file.Path>) entries::iterator) {
				String name = entry.getFileName().toString();
				if (!name.chars().allMatch(Character::isDigit)) {
					continue;
				}
				String stat;
				try {
					stat = java.nio.file.Files.readString(entry.resolve("stat"));
				}
				catch (java.io.IOException gone) {
					continue;
				}
				String command = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
				// After the command: state is field 3; utime and stime are fields 14 and 15.
				String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
				long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
				if (Long.parseLong(name) == self) {
					jvm = ticks;
				}
				else if (command.equals("postgres") || command.startsWith("postgres:")) {
					postgres += ticks;
				}
			}
			return new long[] { jvm, postgres };
		}
		catch (java.io.IOException | RuntimeException ex) {
			return new long[0];
		}
	}

	private static void printProcessCpu(long[] before, long[] after, double seconds, long polls) {
		if (before.length == 0 || after.length == 0) {
			return;
		}
		// Linux counts these in USER_HZ, 100 a second on every common build.
		double tick = 1.0 / 100;
		double jvm = (after[0] - before[0]) * tick;
		double postgres = (after[1] - before[1]) * tick;
		System.out.printf("process CPU in the window this JVM %.2f cores (%.1f µs per poll), PostgreSQL %.2f cores (%.1f µs per poll)%n",
				jvm / seconds, jvm * 1e6 / Math.max(1, polls), postgres / seconds, postgres * 1e6 / Math.max(1, polls));
	}

	/**
	 * What else happened in the window that stalls a poll engine: this JVM's garbage collections,
	 * PostgreSQL's checkpoints and the (auto)vacuums and analyzes of the pairing table.
	 */
	private record WindowFacts(long gcCount, long gcMillis, long checkpoints, long checkpointWriteMillis,
			long checkpointSyncMillis, long vacuums, long analyzes, long buffersBackendFsync) {

		static WindowFacts read(JdbcTemplate jdbc) {
			long count = 0;
			long millis = 0;
			for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory
				.getGarbageCollectorMXBeans()) {
				count += Math.max(0, gc.getCollectionCount());
				millis += Math.max(0, gc.getCollectionTime());
			}
			long[] bgwriter = jdbc.queryForObject("""
					select checkpoints_timed + checkpoints_req, checkpoint_write_time::bigint,
					    checkpoint_sync_time::bigint, buffers_backend_fsync from pg_stat_bgwriter
					""", (rs, row) -> new long[] { rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4) });
			long[] table = jdbc.queryForObject("""
					select coalesce(sum(vacuum_count + autovacuum_count), 0), coalesce(sum(analyze_count + autoanalyze_count), 0)
					from pg_stat_user_tables where relname = 'pairing'
					""", (rs, row) -> new long[] { rs.getLong(1), rs.getLong(2) });
			return new WindowFacts(count, millis, bgwriter[0], bgwriter[1], bgwriter[2], table[0], table[1],
					bgwriter[3]);
		}

		String since(WindowFacts before) {
			return String.format(
					"in the window            GC %d collections, %d ms; checkpoints %d (write %d ms, sync %d ms); "
							+ "pairing vacuums %d, analyzes %d; backend fsyncs %d",
					this.gcCount - before.gcCount, this.gcMillis - before.gcMillis, this.checkpoints - before.checkpoints,
					this.checkpointWriteMillis - before.checkpointWriteMillis,
					this.checkpointSyncMillis - before.checkpointSyncMillis, this.vacuums - before.vacuums,
					this.analyzes - before.analyzes, this.buffersBackendFsync - before.buffersBackendFsync);
		}

	}

	static void insertPendingPairings(JdbcTemplate jdbc, SecretBox box, String model, int count) {
		insertPendingPairings(jdbc, box, model, "BENCH-", count);
	}

	/** Pending pairings whose device ids start with {@code deviceIdPrefix}, first polls spread over one interval. */
	static void insertPendingPairings(JdbcTemplate jdbc, SecretBox box, String model, String deviceIdPrefix, int count) {
		Instant now = Instant.now();
		List<Object[]> rows = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			UUID id = UUID.randomUUID();
			String deviceCode = "dc-" + id;
			rows.add(new Object[] { id, deviceIdPrefix + i, model, utc(now.plusSeconds(3600)),
					box.seal(Secret.of(deviceCode), "pairing", "device_code", id), utc(now.plusSeconds(7200)), utc(now),
					utc(now.plusMillis(ThreadLocalRandom.current().nextLong(INTERVAL_SECONDS * 1000L))) });
		}
		jdbc.batchUpdate("""
				insert into pairing (id, device_id, model, client_version, url_pairing, status, user_code, verification_uri,
				    code_expires_at, device_code_enc, codes_issued, interval_s, expires_at, created_at, updated_at,
				    created_by, created_by_key_id, version, next_poll_at, backoff_s, lease_epoch)
				values (?, ?, ?, '1.0.0', false, 'PENDING', '000000', 'http://example.invalid/pair', ?, ?, 1, 5, ?, ?, ?,
				    'bench', '00000000-0000-0000-0000-000000000000', 1, ?, 0, 0)
				""", rows.stream().map((row) -> new Object[] { row[0], row[1], row[2], row[3], row[4], row[5], row[6],
				row[6], row[7] }).toList());
	}

	/** Inserted + updated + deleted rows per table, as the statistics view has them now. */
	private static Map<String, Long> writesByTable(JdbcTemplate jdbc) {
		jdbc.execute("select pg_stat_force_next_flush()");
		Map<String, Long> byTable = new java.util.TreeMap<>();
		jdbc.query("select relname, n_tup_ins + n_tup_upd + n_tup_del as n from pg_stat_user_tables",
				(java.sql.ResultSet rs) -> {
					byTable.put(rs.getString("relname"), rs.getLong("n"));
				});
		return byTable;
	}

	/** Updates of {@code pairing}, and of them the heap-only ones, as the statistics view has them now. */
	private static long[] pairingUpdates(JdbcTemplate jdbc) {
		return jdbc.queryForObject("select n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where relname = 'pairing'",
				(rs, row) -> new long[] { rs.getLong(1), rs.getLong(2) });
	}

	private static long writes(JdbcTemplate jdbc) {
		jdbc.execute("select pg_stat_force_next_flush()");
		Long total = jdbc.queryForObject(
				"select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) from pg_stat_user_tables", Long.class);
		return (total != null) ? total : 0;
	}

	private static OffsetDateTime utc(Instant instant) {
		return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

}
