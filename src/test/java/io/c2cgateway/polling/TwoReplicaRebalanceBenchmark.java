package io.c2cgateway.polling;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariDataSource;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.jdbc.core.JdbcTemplate;

import io.c2cgateway.crypto.SecretBoxes;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the pending work moves when a second replica joins: replica A alone holds and polls 20,000
 * pending pairings, then replica B starts on the same database, and the harness measures, every
 * second, how many pairings each holds ({@code pairing.lease_owner}), how many polls each sends,
 * how late the polls are and whether any comes sooner than its interval. Prints figures and
 * asserts nothing about time; it fails, after printing {@code FAILURE} lines, when a poll came
 * sooner than its interval.
 * <p>
 * Both replicas run as in production: each its own JVM started from the packaged jar (heap and
 * collector as the container image sets them for a 1 GiB pod), production settings but for the
 * keys, the database and the Frame.io address, background engine on the system clock. This JVM
 * is the Frame.io stand-in (answers every poll {@code authorization_pending} at once; A and B
 * reach it under different paths, so it knows who sent what) and the observer. Run with:
 *
 * <pre>
 * ./mvnw -DskipTests package
 * ./mvnw test -Dtest=TwoReplicaRebalanceBenchmark -Dbenchmark=true -Dbenchmark.pairings=20000
 * </pre>
 *
 * adding {@code -Dbenchmark.jdbc-url=jdbc:postgresql://host/db} to measure against a PostgreSQL of
 * one's own (an empty database: other pending pairings would count in the fair share). The logs of
 * both replicas go to {@code target/benchmark-logs/}. {@code benchmark.warm-up-seconds} (20, then
 * until every code has been polled once, at most 120 s more), {@code benchmark.before-seconds} (20,
 * A alone) and {@code benchmark.seconds} (90, from B's registration) bound the run;
 * {@code benchmark.jar} names another jar.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class TwoReplicaRebalanceBenchmark {

	private static final int INTERVAL_SECONDS = 5;

	/** The test profile's keys: test-only, never a deployment's. */
	private static final String KEYS = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,"
			+ "old0:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA=";

	/** As the container image runs the gateway in the manifests' 1 GiB pod: 75 % of it, G1. */
	private static final List<String> JVM_FLAGS = List.of("-Xmx768m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");

	private static final int CORES = Runtime.getRuntime().availableProcessors();

	private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private static final String[] NAMES = { "A", "B" };

	private static final String[] PHASES = { "warm-up", "before: A alone", "B starting: launch to registration",
			"move: to holdings settled + 5 s", "rest of the first 30 s", "30 s after registration to the end",
			"stopping" };

	private static final int WARM_UP = 0;

	private static final int BEFORE = 1;

	private static final int STARTING = 2;

	private static final int MOVE = 3;

	private static final int SETTLING = 4;

	private static final int AFTER = 5;

	private static final int STOPPING = 6;

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	// ---- what the stand-in sees ----------------------------------------------------------------

	private final Map<String, Arrival> lastArrival = new ConcurrentHashMap<>();

	private final AtomicLong[] polls = { new AtomicLong(), new AtomicLong() };

	private final AtomicLong tooSoon = new AtomicLong();

	private final AtomicLong shortestGapMicros = new AtomicLong(Long.MAX_VALUE);

	private final ConcurrentLinkedQueue<String> tooSoonExamples = new ConcurrentLinkedQueue<>();

	/** Lateness of the polls each replica sent this second. */
	private final Recorder[] secondLateness = { new Recorder(3), new Recorder(3) };

	private volatile int phase = WARM_UP;

	private final Recorder[][] phaseLateness = new Recorder[PHASES.length][];

	private final AtomicLong[][] phasePolls = new AtomicLong[PHASES.length][2];

	private final AtomicLong[] phaseTooSoon = new AtomicLong[PHASES.length];

	private final long[] phaseStart = new long[PHASES.length];

	// ---- what the sampler sees -------------------------------------------------------------------

	private final List<Second> seconds = new ArrayList<>();

	private final List<Held> held = new ArrayList<>();

	private volatile long launchedB;

	private volatile long registeredB;

	private volatile long readyB;

	private volatile long firstPollB;

	private volatile long bothWithin15;

	private volatile long bothWithin5;

	private volatile long settled;

	private volatile boolean sampling = true;

	TwoReplicaRebalanceBenchmark() {
		for (int i = 0; i < PHASES.length; i++) {
			this.phaseLateness[i] = new Recorder[] { new Recorder(3), new Recorder(3) };
			this.phasePolls[i] = new AtomicLong[] { new AtomicLong(), new AtomicLong() };
			this.phaseTooSoon[i] = new AtomicLong();
		}
	}

	@Test
	void secondReplicaJoinsAndTakesHalfOfThePendingWork() throws Exception {
		int pairings = Integer.getInteger("benchmark.pairings", 20_000);
		int warmUpSeconds = Integer.getInteger("benchmark.warm-up-seconds", 20);
		int beforeSeconds = Integer.getInteger("benchmark.before-seconds", 20);
		int afterRegistrationSeconds = Integer.getInteger("benchmark.seconds", 90);
		Path jar = packagedJar();
		Path logs = Path.of("target", "benchmark-logs");
		Files.createDirectories(logs);

		System.out.println();
		System.out.println("=== two-replica rebalance benchmark: machine ===");
		System.out.printf("cores                   %d%n", Runtime.getRuntime().availableProcessors());
		System.out.printf("memory                  %.1f GiB%n", ((com.sun.management.OperatingSystemMXBean) ManagementFactory
			.getOperatingSystemMXBean()).getTotalMemorySize() / (double) (1L << 30));
		System.out.printf("load average at start   %s (1 / 5 / 15 min)%n", loadAverage());
		System.out.printf("JDK                     %s%n", Runtime.version());
		System.out.printf("replicas                two JVMs from %s, %s%n", jar, String.join(" ", JVM_FLAGS));

		Map<String, String> database = database();
		DisposableServer upstream = standIn();
		List<Process> replicas = new ArrayList<>();
		Thread stopOnExit = new Thread(() -> replicas.forEach(Process::destroyForcibly));
		Runtime.getRuntime().addShutdownHook(stopOnExit);
		String model = "bench-" + UUID.randomUUID().toString().substring(0, 6);
		try (HikariDataSource dataSource = dataSource(database)) {
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			System.out.printf("PostgreSQL              %s; fsync %s, synchronous_commit %s%n",
					jdbc.queryForObject("select current_setting('server_version')", String.class),
					jdbc.queryForObject("select current_setting('fsync')", String.class),
					jdbc.queryForObject("select current_setting('synchronous_commit')", String.class));

			// Replica A, alone, with all the pending work.
			int portA = freePort();
			Process a = launch(jar, "bench-a", portA, database, upstream.port(), logs.resolve("rebalance-a.log"));
			replicas.add(a);
			long startedA = System.nanoTime();
			awaitReady(a, portA, Duration.ofSeconds(180));
			System.out.printf("replica A ready after %.1f s (pid %d, port %d)%n", seconds(System.nanoTime() - startedA),
					a.pid(), portA);
			Long otherPending = jdbc.queryForObject("select count(*) from pairing where status = 'PENDING'", Long.class);
			Long otherLive = jdbc.queryForObject(
					"select count(*) from gateway_instance where lease_until > now() and id not like 'bench-a~%'", Long.class);
			assertThat(otherPending).as("pending pairings already in the database (they would count in the share)")
				.isZero();
			assertThat(otherLive).as("other live replicas on the database").isZero();
			Api.at(portA).asAdmin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"bench-secret\"}");
			PollEngineBenchmark.insertPendingPairings(jdbc, SecretBoxes.of(KEYS), model, pairings);
			System.out.printf("inserted %d pending pairings (model %s); warming up %d s%n", pairings, model,
					warmUpSeconds);

			Thread sampler = new Thread(() -> sample(jdbc, model, pairings, replicas), "rebalance-sampler");
			sampler.setDaemon(true);
			sampler.start();
			Thread.sleep(warmUpSeconds * 1000L);
			// Lateness needs two polls of a code: go on warming up until every code has had its first.
			long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (this.lastArrival.size() < pairings && System.nanoTime() < warmUpEnd) {
				Thread.sleep(200);
			}
			System.out.printf("%d of %d codes polled at least once after the warm-up%n", this.lastArrival.size(),
					pairings);
			enter(BEFORE);
			String loadBefore = loadAverage();
			System.out.printf("measuring A alone for %d s (load average %s)%n", beforeSeconds, loadBefore);
			Thread.sleep(beforeSeconds * 1000L);

			// Replica B joins.
			String loadAtLaunch = loadAverage();
			int portB = freePort();
			enter(STARTING);
			this.launchedB = System.nanoTime();
			Process b = launch(jar, "bench-b", portB, database, upstream.port(), logs.resolve("rebalance-b.log"));
			replicas.add(b);
			System.out.printf("launched replica B (pid %d, port %d; load average %s)%n", b.pid(), portB, loadAtLaunch);
			awaitReady(b, portB, Duration.ofSeconds(180));
			this.readyB = System.nanoTime();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (this.registeredB == 0 && System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			assertThat(this.registeredB).as("replica B registered").isPositive();
			System.out.printf("replica B registered %.1f s after launch, ready %.1f s after launch; measuring %d s from registration%n",
					seconds(this.registeredB - this.launchedB), seconds(this.readyB - this.launchedB),
					afterRegistrationSeconds);
			long end = this.registeredB + TimeUnit.SECONDS.toNanos(afterRegistrationSeconds);
			while (System.nanoTime() < end) {
				Thread.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
			}
			enter(STOPPING);
			this.sampling = false;
			sampler.join(5000);
			String loadAtEnd = loadAverage();
			Map<String, String> metricsA = metrics(portA);
			Map<String, String> metricsB = metrics(portB);
			report(pairings, loadBefore, loadAtLaunch, loadAtEnd, metricsA, metricsB, logs);
		}
		finally {
			this.sampling = false;
			for (Process replica : replicas) {
				replica.destroy();
			}
			for (Process replica : replicas) {
				if (!replica.waitFor(40, TimeUnit.SECONDS)) {
					replica.destroyForcibly();
				}
			}
			Runtime.getRuntime().removeShutdownHook(stopOnExit);
			upstream.disposeNow();
			cleanUp(database, model);
		}
		assertThat(this.tooSoon.get()).as("polls sooner than their interval").isZero();
	}

	// ---- the stand-in -------------------------------------------------------------------------

	private DisposableServer standIn() {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.post("/{replica}/v2/auth/token",
					(request, response) -> request.receive().aggregate().asString().flatMap((body) -> {
						record("b".equals(request.param("replica")) ? 1 : 0, body);
						return response.status(400)
							.header("Content-Type", "application/json")
							.sendString(Mono.just("{\"error\":\"authorization_pending\"}"))
							.then();
					})))
			.bindNow();
	}

	private void record(int replica, String form) {
		long now = System.nanoTime();
		String code = null;
		for (String pair : form.split("&")) {
			if (pair.startsWith("device_code=")) {
				code = java.net.URLDecoder.decode(pair.substring(12), StandardCharsets.UTF_8);
			}
		}
		int phase = this.phase;
		if (replica == 1 && this.firstPollB == 0) {
			this.firstPollB = now;
		}
		this.polls[replica].incrementAndGet();
		this.phasePolls[phase][replica].incrementAndGet();
		Arrival previous = this.lastArrival.put(code, new Arrival(now, replica));
		if (previous != null) {
			long gapMicros = (now - previous.nanos()) / 1_000;
			this.shortestGapMicros.accumulateAndGet(gapMicros, Math::min);
			long lateMillis = Math.max(0, gapMicros / 1_000 - INTERVAL_SECONDS * 1000L);
			if (gapMicros < INTERVAL_SECONDS * 1_000_000L) {
				this.tooSoon.incrementAndGet();
				this.phaseTooSoon[phase].incrementAndGet();
				if (this.tooSoonExamples.size() < 20) {
					this.tooSoonExamples.add(String.format("%s: %.3f ms after the previous poll; previous by %s, this by %s, %s",
							code, gapMicros / 1000.0, NAMES[previous.replica()], NAMES[replica], PHASES[phase]));
				}
			}
			this.secondLateness[replica].recordValue(lateMillis);
			this.phaseLateness[phase][replica].recordValue(lateMillis);
		}
	}

	private void enter(int phase) {
		this.phaseStart[phase] = System.nanoTime();
		this.phase = phase;
	}

	// ---- the sampler: who holds what, every 200 ms; a line of figures every second -----------------

	private void sample(JdbcTemplate jdbc, String model, int pairings, List<Process> replicas) {
		long next = System.nanoTime();
		int count = 0;
		long[] pollsBefore = { 0, 0 };
		long tooSoonBefore = 0;
		CpuTimes cpuBefore = cpuTimes(replicas);
		long secondStart = System.nanoTime();
		while (this.sampling) {
			next += SAMPLE_NANOS;
			long sleep = next - System.nanoTime();
			if (sleep > 0) {
				try {
					TimeUnit.NANOSECONDS.sleep(sleep);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
			try {
				Held now = held(jdbc, model);
				synchronized (this.held) {
					this.held.add(now);
				}
				if (this.launchedB != 0 && this.registeredB == 0) {
					detectRegistration(jdbc);
				}
				if (this.registeredB != 0) {
					judge(now, pairings);
				}
				if (++count % 5 == 0) {
					long[] pollsNow = { this.polls[0].get(), this.polls[1].get() };
					long tooSoonNow = this.tooSoon.get();
					CpuTimes cpuNow = cpuTimes(replicas);
					Histogram lateA = this.secondLateness[0].getIntervalHistogram();
					Histogram lateB = this.secondLateness[1].getIntervalHistogram();
					Histogram lateness = lateA.copy();
					lateness.add(lateB);
					Second second = new Second(secondStart, now.nanos(), this.phase, now, pollsNow[0] - pollsBefore[0],
							pollsNow[1] - pollsBefore[1], lateness.getValueAtPercentile(99), lateA.getValueAtPercentile(99),
							lateB.getValueAtPercentile(99), lateness.getMaxValue(),
							tooSoonNow - tooSoonBefore, cpuNow.minus(cpuBefore), firstLoad());
					synchronized (this.seconds) {
						this.seconds.add(second);
					}
					pollsBefore = pollsNow;
					tooSoonBefore = tooSoonNow;
					cpuBefore = cpuNow;
					secondStart = now.nanos();
				}
			}
			catch (RuntimeException ex) {
				System.out.println("sampler: " + ex);
			}
		}
	}

	private static Held held(JdbcTemplate jdbc, String model) {
		long[] counts = new long[3];
		jdbc.query("select split_part(lease_owner, '~', 1) as replica, count(*) as n from pairing "
				+ "where status = 'PENDING' and model = ? group by 1", (rs) -> {
					String replica = rs.getString("replica");
					int index = "bench-a".equals(replica) ? 0 : "bench-b".equals(replica) ? 1 : 2;
					counts[index] += rs.getLong("n");
				}, model);
		return new Held(System.nanoTime(), counts[0], counts[1], counts[2]);
	}

	private void detectRegistration(JdbcTemplate jdbc) {
		// Database and JVM read the same system clock: the row's age dates the registration.
		List<Double> ages = jdbc.queryForList("select extract(epoch from clock_timestamp() - started_at) "
				+ "from gateway_instance where id like 'bench-b~%' and lease_until > now()", Double.class);
		if (!ages.isEmpty()) {
			long at = System.nanoTime() - (long) (ages.get(0) * 1e9);
			this.registeredB = Math.max(at, this.launchedB);
			enter(MOVE);
		}
	}

	/** Marks when both first hold 50 ± 15 % and 50 ± 5 % of the work, and ends the move. */
	private void judge(Held now, int pairings) {
		double a = now.a() / (double) pairings;
		double b = now.b() / (double) pairings;
		if (this.bothWithin15 == 0 && within(a, 0.15) && within(b, 0.15)) {
			this.bothWithin15 = now.nanos();
		}
		if (this.bothWithin5 == 0 && within(a, 0.05) && within(b, 0.05)) {
			this.bothWithin5 = now.nanos();
		}
		if (this.settled == 0 && within(a, 0.15) && within(b, 0.15) && now.free() == 0) {
			this.settled = now.nanos();
		}
		long deadline = this.registeredB + TimeUnit.SECONDS.toNanos(30);
		if (this.phase == MOVE) {
			// The move ends one interval after the last pairing found its new holder (so that the
			// first poll of every moved pairing is due in it), or 30 s after registration at most.
			long end = (this.settled != 0) ? this.settled + TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS) : deadline;
			if (now.nanos() >= Math.min(end, deadline)) {
				enter(SETTLING);
			}
		}
		if (this.phase == SETTLING && now.nanos() >= deadline) {
			enter(AFTER);
		}
	}

	private static boolean within(double share, double tolerance) {
		return share >= 0.5 - tolerance - 1e-9 && share <= 0.5 + tolerance + 1e-9;
	}

	// ---- the report ---------------------------------------------------------------------------

	private void report(int pairings, String loadBefore, String loadAtLaunch, String loadAtEnd,
			Map<String, String> metricsA, Map<String, String> metricsB, Path logs) throws IOException {
		double ideal = pairings / (double) INTERVAL_SECONDS;
		long reg = this.registeredB;
		System.out.println();
		System.out.println("=== two-replica rebalance benchmark ===");
		System.out.printf("pending pairings        %d, interval %d s: ideal %.0f polls/s in all%n", pairings,
				INTERVAL_SECONDS, ideal);
		System.out.printf("cores                   %d, shared by replica A, replica B, PostgreSQL and this JVM (stand-in, observer)%n",
				Runtime.getRuntime().availableProcessors());
		System.out.printf("load average            %s at the start of A alone, %s when B was launched, %s at the end%n",
				loadBefore, loadAtLaunch, loadAtEnd);
		System.out.printf("replica B               registered %.1f s after launch, ready %.1f s after launch (times below: from registration)%n",
				seconds(reg - this.launchedB), seconds(this.readyB - this.launchedB));
		System.out.println();
		System.out.println("   t s | held A  held B  free | held B | polls/s A     B   all | lateness p99 all (A / B)  max ms | sooner | CPU % of a core: A    B   PG harness others | machine busy | load");
		List<Second> table;
		synchronized (this.seconds) {
			table = new ArrayList<>(this.seconds);
		}
		for (Second s : table) {
			double t = seconds(s.end() - reg);
			if (t < -15 - seconds(reg - this.launchedB) || s.phase() == WARM_UP) {
				continue;
			}
			double span = seconds(s.end() - s.start());
			System.out.printf("%6.1f | %6d  %6d %5d | %5.1f%% | %7.0f %5.0f %5.0f | %6d (%6d / %6d) %6d | %6d | %20.0f %4.0f %4.0f %7.0f %6.0f | %10.0f %% | %.2f%s%n", t,
					s.held().a(), s.held().b(), s.held().free(), 100.0 * s.held().b() / pairings, s.pollsA() / span,
					s.pollsB() / span, (s.pollsA() + s.pollsB()) / span, s.p99(), s.p99A(), s.p99B(), s.max(), s.tooSoon(),
					s.cpu().percent(0, span), s.cpu().percent(1, span), s.cpu().postgresPercent(span), s.cpu().percent(2, span),
					s.cpu().othersPercent(span, CORES), s.cpu().machinePercent(),
					s.load(), marker(s));
		}
		System.out.println();
		System.out.printf("B's first poll          %s after B's registration%n", since(this.firstPollB, reg));
		System.out.printf("both hold 50 ± 15 %%     %s after B's registration%n", since(this.bothWithin15, reg));
		System.out.printf("both hold 50 ± 5 %%      %s after B's registration%n", since(this.bothWithin5, reg));
		System.out.printf("nothing left unowned    %s after B's registration (both within 50 ± 15 %%)%n",
				since(this.settled, reg));
		Held last;
		synchronized (this.held) {
			last = this.held.get(this.held.size() - 1);
		}
		System.out.printf("held at the end         A %d (%.1f %%), B %d (%.1f %%), unowned %d%n", last.a(),
				100.0 * last.a() / pairings, last.b(), 100.0 * last.b() / pairings, last.free());
		System.out.println();
		System.out.println("phase                                  |   s   | polls/s all (A / B), of ideal | lateness p50 / p99 / p99.9 / max ms | p99 of A's / B's polls | sooner | mean CPU % of a core: A / B / PG / harness / others | load");
		for (int p = BEFORE; p <= AFTER; p++) {
			long from = this.phaseStart[p];
			long to = 0;
			for (int q = p + 1; q < PHASES.length && to == 0; q++) {
				to = this.phaseStart[q];
			}
			if (from == 0 || to == 0 || to <= from) {
				continue;
			}
			double span = seconds(to - from);
			Histogram ha = this.phaseLateness[p][0].getIntervalHistogram();
			Histogram hb = this.phaseLateness[p][1].getIntervalHistogram();
			Histogram h = ha.copy();
			h.add(hb);
			long pa = this.phasePolls[p][0].get();
			long pb = this.phasePolls[p][1].get();
			double[] cpu = new double[5];
			double load = 0;
			int counted = 0;
			for (Second s : table) {
				long middle = (s.start() + s.end()) / 2;
				if (middle >= from && middle < to) {
					double length = seconds(s.end() - s.start());
					cpu[0] += s.cpu().percent(0, length);
					cpu[1] += s.cpu().percent(1, length);
					cpu[2] += s.cpu().postgresPercent(length);
					cpu[3] += s.cpu().percent(2, length);
					cpu[4] += s.cpu().othersPercent(length, CORES);
					load += s.load();
					counted++;
				}
			}
			for (int i = 0; i < cpu.length; i++) {
				cpu[i] /= Math.max(1, counted);
			}
			System.out.printf("%-38s | %5.1f | %5.0f (%5.0f / %5.0f), %3.0f %% | %5d / %5d / %5d / %5d       | %5d / %6s | %6d | %3.0f / %3.0f / %3.0f / %3.0f / %3.0f | %.1f%n",
					PHASES[p], span, (pa + pb) / span, pa / span, pb / span, 100 * (pa + pb) / span / ideal,
					h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(),
					ha.getValueAtPercentile(99), (hb.getTotalCount() == 0) ? "-" : String.valueOf(hb.getValueAtPercentile(99)),
					this.phaseTooSoon[p].get(), cpu[0], cpu[1], cpu[2], cpu[3], cpu[4], load / Math.max(1, counted));
		}
		System.out.println();
		contract(table, pairings, reg);
		System.out.printf("polls sooner than interval  %d (shortest gap %.3f ms)%n", this.tooSoon.get(),
				this.shortestGapMicros.get() / 1000.0);
		for (String example : this.tooSoonExamples) {
			System.out.println("FAILURE: poll sooner than its interval: " + example);
		}
		if (this.tooSoon.get() > 0) {
			System.out.printf("FAILURE: %d polls came sooner than their interval%n", this.tooSoon.get());
		}
		System.out.println();
		System.out.printf("replica A metrics       handed back %s, taken over %s, polls %s%n",
				metricsA.getOrDefault("gateway_poll_lease_handed_back_total", "?"),
				metricsA.getOrDefault("gateway_poll_lease_takeovers_total", "?"),
				metricsA.getOrDefault("gateway_poll_steps_total{kind=\"poll\"}", "?"));
		System.out.printf("replica B metrics       handed back %s, taken over %s, polls %s%n",
				metricsB.getOrDefault("gateway_poll_lease_handed_back_total", "?"),
				metricsB.getOrDefault("gateway_poll_lease_takeovers_total", "?"),
				metricsB.getOrDefault("gateway_poll_steps_total{kind=\"poll\"}", "?"));
		for (String name : List.of("rebalance-a.log", "rebalance-b.log")) {
			try (Stream<String> lines = Files.lines(logs.resolve(name))) {
				lines.filter((line) -> line.contains("handed back") || line.contains("registered with")
						|| line.contains("lost its lease"))
					.limit(20)
					.forEach((line) -> System.out.println(name + ": " + line.strip()));
			}
		}
		System.out.println("=======================================");
	}

	/**
	 * The contract: within 30 s after a replica becomes ready or leaves, every live replica sends
	 * between half and twice its fair share of the polls (for two: 25 to 100 %), with no poll sooner
	 * than its interval. Judged over windows of one interval (5 s), in which every held pairing is
	 * due once; one-second windows are shown too, as polls come in waves.
	 */
	private void contract(List<Second> table, int pairings, long reg) {
		long from = Math.min(reg, this.readyB) + TimeUnit.SECONDS.toNanos(30);
		List<Second> judged = table.stream().filter((s) -> s.start() >= from && s.phase() != STOPPING).toList();
		double[] perInterval = shares(judged, INTERVAL_SECONDS);
		double[] perSecond = shares(judged, 1);
		double lowestHeld = 1;
		for (Second s : judged) {
			lowestHeld = Math.min(lowestHeld, Math.min(s.held().a(), s.held().b()) / (double) pairings);
		}
		boolean met = !judged.isEmpty() && perInterval[0] >= 0.25 && perInterval[1] <= 1.0 && this.tooSoon.get() == 0;
		System.out.printf("contract, from 30 s after B's registration or readiness (whichever came first) to the end, %d s:%n",
				judged.size());
		System.out.printf("  each replica's share of the polls in %d s windows  lowest %.1f %%, highest %.1f %% (allowed 25-100 %%)%n",
				INTERVAL_SECONDS, 100 * perInterval[0], 100 * perInterval[1]);
		System.out.printf("  in 1 s windows                                     lowest %.1f %%, highest %.1f %%%n",
				100 * perSecond[0], 100 * perSecond[1]);
		System.out.printf("  smallest share held %.1f %%; polls sooner than interval during the whole run %d%n",
				100 * lowestHeld, this.tooSoon.get());
		System.out.printf("  %s%n", met ? "MET" : "NOT MET");
	}

	/** The lowest and highest share of the polls either replica sent, in windows of {@code size} seconds. */
	private static double[] shares(List<Second> seconds, int size) {
		double lowest = 1;
		double highest = 0;
		for (int from = 0; from + size <= seconds.size(); from += size) {
			long a = 0;
			long b = 0;
			for (Second s : seconds.subList(from, from + size)) {
				a += s.pollsA();
				b += s.pollsB();
			}
			if (a + b == 0) {
				continue;
			}
			lowest = Math.min(lowest, Math.min(a, b) / (double) (a + b));
			highest = Math.max(highest, Math.max(a, b) / (double) (a + b));
		}
		return new double[] { lowest, highest };
	}

	private String marker(Second s) {
		StringBuilder marks = new StringBuilder();
		long[] events = { this.launchedB, this.registeredB, this.readyB, this.firstPollB, this.bothWithin15,
				this.bothWithin5, this.phaseStart[SETTLING], this.phaseStart[AFTER] };
		String[] names = { "B launched", "B registers", "B ready", "B's first poll", "both 50 ± 15 %", "both 50 ± 5 %",
				"move over", "30 s" };
		for (int i = 0; i < events.length; i++) {
			if (events[i] != 0 && events[i] > s.start() && events[i] <= s.end()) {
				marks.append(marks.isEmpty() ? "  <- " : ", ").append(names[i]);
			}
		}
		return marks.toString();
	}

	private static String since(long at, long reg) {
		return (at == 0) ? "never within the run" : String.format("%.1f s", seconds(at - reg));
	}

	// ---- the replicas -------------------------------------------------------------------------

	private static Path packagedJar() throws IOException {
		String configured = System.getProperty("benchmark.jar");
		Path jar;
		if (configured != null) {
			jar = Path.of(configured);
		}
		else {
			try (Stream<Path> files = Files.list(Path.of("target"))) {
				jar = files.filter((file) -> file.getFileName().toString().matches("c2c-gateway-.*\\.jar"))
					.findFirst()
					.orElseThrow(() -> new IllegalStateException("No packaged jar: run ./mvnw -DskipTests package first"));
			}
			FileTime built = Files.getLastModifiedTime(jar);
			try (Stream<Path> sources = Files.walk(Path.of("src", "main"))) {
				Optional<Path> newer = sources.filter(Files::isRegularFile)
					.filter((file) -> lastModified(file).compareTo(built) > 0)
					.findFirst();
				if (newer.isPresent()) {
					throw new IllegalStateException(newer.get() + " is newer than " + jar
							+ ": run ./mvnw -DskipTests package first");
				}
			}
		}
		return jar.toAbsolutePath();
	}

	private static FileTime lastModified(Path file) {
		try {
			return Files.getLastModifiedTime(file);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Process launch(Path jar, String instanceId, int port, Map<String, String> database,
			int upstreamPort, Path log) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(JVM_FLAGS);
		command.add("-jar");
		command.add(jar.toString());
		Map<String, String> settings = new java.util.LinkedHashMap<>(database);
		settings.put("server.port", String.valueOf(port));
		settings.put("gateway.instance-id", instanceId);
		settings.put("gateway.crypto.keys", KEYS);
		settings.put("gateway.security.bootstrap-admin-key", Api.BOOTSTRAP_KEY);
		// Each replica reaches the stand-in under its own path, so the stand-in knows who polled.
		settings.put("gateway.frameio.base-url",
				"http://127.0.0.1:" + upstreamPort + "/" + instanceId.substring(instanceId.length() - 1));
		// The stand-in is plain http on this host; production refuses anything but https.
		settings.put("gateway.frameio.allow-insecure-base-url", "true");
		settings.put("gateway.frameio.timeout", "5s");
		settings.put("spring.main.banner-mode", "off");
		settings.put("logging.level.root", "warn");
		settings.put("logging.level.io.c2cgateway.polling", "info");
		settings.forEach((key, value) -> command.add("--" + key + "=" + value));
		return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
	}

	private static void awaitReady(Process replica, int port, Duration limit) throws InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		URI readiness = URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness");
		while (System.nanoTime() < deadline) {
			if (!replica.isAlive()) {
				throw new IllegalStateException("Replica on port " + port + " exited with " + replica.exitValue()
						+ "; see target/benchmark-logs/");
			}
			try {
				HttpResponse<Void> response = HTTP.send(
						HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).build(),
						HttpResponse.BodyHandlers.discarding());
				if (response.statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("Replica on port " + port + " not ready within " + limit);
	}

	private static Map<String, String> metrics(int port) {
		Map<String, String> metrics = new HashMap<>();
		try {
			HttpResponse<String> response = HTTP.send(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
						.timeout(Duration.ofSeconds(5))
						.build(),
					HttpResponse.BodyHandlers.ofString());
			for (String line : response.body().split("\n")) {
				if (!line.startsWith("#") && line.startsWith("gateway_poll")) {
					int space = line.lastIndexOf(' ');
					metrics.put(line.substring(0, space), line.substring(space + 1));
				}
			}
		}
		catch (IOException ex) {
			// reported as unknown
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return metrics;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	// ---- the database -------------------------------------------------------------------------

	private static Map<String, String> database() {
		String jdbcUrl = System.getProperty("benchmark.jdbc-url");
		if (jdbcUrl == null) {
			return TestDatabase.properties();
		}
		// A PostgreSQL of one's own, with durable commits, instead of the tests' throw-away one.
		return Map.of("spring.datasource.url", jdbcUrl, "spring.datasource.username",
				System.getProperty("benchmark.jdbc-user", "postgres"), "spring.datasource.password",
				System.getProperty("benchmark.jdbc-password", ""));
	}

	private static HikariDataSource dataSource(Map<String, String> database) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(database.get("spring.datasource.url"));
		dataSource.setUsername(database.get("spring.datasource.username"));
		dataSource.setPassword(database.get("spring.datasource.password"));
		dataSource.setMaximumPoolSize(2);
		return dataSource;
	}

	/** Ends this run's pairings, so that a later run on the same database starts with none pending. */
	private static void cleanUp(Map<String, String> database, String model) {
		try (HikariDataSource dataSource = dataSource(database)) {
			new JdbcTemplate(dataSource).update("update pairing set status = 'CANCELLED', completed_at = now(), "
					+ "next_poll_at = null, lease_owner = null where status = 'PENDING' and model = ?", model);
		}
		catch (RuntimeException ex) {
			System.out.println("Could not cancel the benchmark's pairings: " + ex);
		}
	}

	// ---- the machine --------------------------------------------------------------------------

	private static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + " / " + fields[1] + " / " + fields[2];
		}
		catch (IOException ex) {
			return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
		}
	}

	private static double firstLoad() {
		return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
	}

	/**
	 * CPU time of replica A, replica B, this JVM and PostgreSQL's processes (by pid, as backends
	 * come and go), and the machine's busy and total jiffies.
	 */
	private static CpuTimes cpuTimes(List<Process> replicas) {
		long[] nanos = new long[3];
		for (int i = 0; i < 2; i++) {
			if (replicas.size() > i) {
				nanos[i] = replicas.get(i).info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
			}
		}
		nanos[2] = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
		Map<Long, Long> postgres = new HashMap<>();
		ProcessHandle.allProcesses()
			.filter((process) -> process.info().command().map((command) -> command.endsWith("/postgres")).orElse(false))
			.forEach((process) -> postgres.put(process.pid(),
					process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)));
		long busy = 0;
		long total = 0;
		try {
			String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
			for (int i = 1; i < fields.length && i <= 8; i++) {
				long value = Long.parseLong(fields[i]);
				total += value;
				// user nice system idle iowait irq softirq steal: all but idle and iowait are busy
				if (i != 4 && i != 5) {
					busy += value;
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// reported as zero
		}
		return new CpuTimes(nanos, postgres, 0, busy, total);
	}

	private static double seconds(long nanos) {
		return nanos / 1e9;
	}

	private record Arrival(long nanos, int replica) {
	}

	private record Held(long nanos, long a, long b, long free) {
	}

	private record CpuTimes(long[] nanos, Map<Long, Long> postgres, long postgresDelta, long busy, long total) {

		CpuTimes minus(CpuTimes earlier) {
			long[] delta = new long[3];
			for (int i = 0; i < 3; i++) {
				delta[i] = (earlier.nanos[i] == 0) ? 0 : this.nanos[i] - earlier.nanos[i];
			}
			long postgres = 0;
			for (Map.Entry<Long, Long> process : this.postgres.entrySet()) {
				postgres += process.getValue() - earlier.postgres.getOrDefault(process.getKey(), 0L);
			}
			return new CpuTimes(delta, Map.of(), postgres, this.busy - earlier.busy, this.total - earlier.total);
		}

		/** Percent of one core over {@code span} seconds: replica A, B or this JVM. */
		double percent(int process, double span) {
			return 100.0 * this.nanos[process] / 1e9 / span;
		}

		/** Percent of one core over {@code span} seconds: every PostgreSQL process of the machine. */
		double postgresPercent(double span) {
			return 100.0 * this.postgresDelta / 1e9 / span;
		}

		/** Percent of one core: whatever else ran on the machine (other builds, the kernel). */
		double othersPercent(double span, int cores) {
			return Math.max(0, machinePercent() * cores - percent(0, span) - percent(1, span) - percent(2, span)
					- postgresPercent(span));
		}

		/** Percent of all cores busy. */
		double machinePercent() {
			return (this.total == 0) ? 0 : 100.0 * this.busy / this.total;
		}

	}

	private record Second(long start, long end, int phase, Held held, long pollsA, long pollsB, long p99, long p99A,
			long p99B, long max,
			long tooSoon, CpuTimes cpu, double load) {
	}

}
