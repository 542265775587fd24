package io.c2cgateway.device;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.c2cgateway.support.BenchmarkMachine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Latency of the device-facing API at a fixed request rate (open model: requests are sent on a
 * schedule whatever the answers do, and latency counts from the scheduled send, so a stall shows
 * as the queue it causes). Runs in the shared test context (embedded PostgreSQL, the in-process
 * Frame.io simulator answering at once); JDK HttpClient over loopback. Prints figures (with each
 * answer's status) and asserts nothing about them. Run with:
 *
 * <pre>
 * ./mvnw test -Dtest=DeviceApiBenchmark -Dbenchmark=true -Dbenchmark.rate=1000 -Dbenchmark.seconds=20
 * </pre>
 *
 * {@code -Dbenchmark.create-rate=50} sends new pairings at a rate of their own,
 * {@code -Dbenchmark.warmup-seconds} sets the warm-up (10 s at the same rate) before each scenario.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class DeviceApiBenchmark extends CustodyTest {

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@Test
	void deviceApiAtAFixedRate() throws Exception {
		int rate = Integer.getInteger("benchmark.rate", 1000);
		int seconds = Integer.getInteger("benchmark.seconds", 20);
		int warmup = Integer.getInteger("benchmark.warmup-seconds", 10);
		// Each new pairing is an upstream call and three writes: it may need a lower rate than the reads.
		int createRate = Integer.getInteger("benchmark.create-rate", rate);
		BenchmarkMachine.print("device API benchmark");

		Paired paired = pair();
		String deviceKey = deviceKey(paired);
		assertThat(accessToken(deviceKey, paired.deviceId()).status()).isEqualTo(200);
		String station = newKey("STATION");
		String model = newModel();
		String pairingId = startPairing(station, newDeviceId(), model, null).path("id").asString();

		String runId = UUID.randomUUID().toString().substring(0, 6);
		List<Scenario> scenarios = List.of(
				new Scenario("POST /devices/{id}/access-token (cached)", rate,
						(i) -> request("/api/v1/devices/" + paired.deviceId() + "/access-token", deviceKey)
							.POST(HttpRequest.BodyPublishers.noBody())
							.build()),
				new Scenario("GET /pairings/{id}", rate,
						(i) -> request("/api/v1/pairings/" + pairingId, station).GET().build()),
				new Scenario("POST /pairings (simulator at 0 ms) at " + createRate + "/s", createRate,
						(i) -> request("/api/v1/pairings", station).header("Content-Type", "application/json")
							.POST(HttpRequest.BodyPublishers.ofString(
									"{\"deviceId\": \"SN-" + runId + "-" + i + "\", \"model\": \"" + model + "\"}"))
							.build()));

		// One request at a time first: what a request costs when nothing queues (and a first warm-up).
		List<String> lines = new ArrayList<>();
		long next = 0;
		for (Scenario scenario : scenarios) {
			lines.add(sequential(scenario, 500, next));
			next += 1_000_000;
		}
		// Every scenario warmed up at its rate before any is measured: the JIT compiles the shared path once.
		for (Scenario scenario : scenarios) {
			drive(scenario.rate(), warmup, scenario.requests(), new Recorder(3), new AtomicLong(),
					new ConcurrentHashMap<>(), next);
			next += 1_000_000;
		}
		for (Scenario scenario : scenarios) {
			lines.add(run(scenario.name(), scenario.rate(), seconds, scenario.requests(), next));
			next += 1_000_000;
		}

		System.out.println();
		System.out.println("=== device API benchmark === " + BenchmarkMachine.describe().replace("(before the run)", "(after)"));
		System.out.printf("warm-up %d s and measured %d s per scenario at a fixed rate; latency from the scheduled send%n",
				warmup, seconds);
		lines.forEach(System.out::println);
		System.out.println("===========================");
	}

	private HttpRequest.Builder request(String path, String key) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(10))
			.header("Authorization", "Bearer " + key);
	}

	/** The measured window at a fixed rate; returns the scenario's figures line. */
	private String run(String name, int rate, int seconds, Function<Long, HttpRequest> requests, long offset)
			throws Exception {
		Recorder latency = new Recorder(3);
		AtomicLong failed = new AtomicLong();
		ConcurrentHashMap<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
		long started = System.nanoTime();
		long sent = drive(rate, seconds, requests, latency, failed, statuses, offset);
		double elapsed = (System.nanoTime() - started) / 1e9;
		Histogram h = latency.getIntervalHistogram();
		return String.format(
				"%-46s at %4d/s: sent %d, achieved %.0f req/s, latency p50 %.2f / p90 %.2f / p99 %.2f / p99.9 %.2f / max %.2f ms, statuses %s, failed %d",
				name, rate, sent, h.getTotalCount() / elapsed, h.getValueAtPercentile(50) / 1000.0,
				h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
				h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, statuses, failed.get());
	}

	/** {@code count} requests one after another: the time one takes with nothing queued. */
	private String sequential(Scenario scenario, int count, long offset) throws Exception {
		Histogram h = new Histogram(3);
		ConcurrentHashMap<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
		for (int i = 0; i < count; i++) {
			long sent = System.nanoTime();
			HttpResponse<Void> response = this.http.send(scenario.requests().apply(offset + i),
					HttpResponse.BodyHandlers.discarding());
			h.recordValue((System.nanoTime() - sent) / 1000);
			statuses.computeIfAbsent(response.statusCode(), (c) -> new AtomicLong()).incrementAndGet();
		}
		return String.format("%-46s one at a time: %d requests, p50 %.2f / p90 %.2f / p99 %.2f / max %.2f ms, statuses %s",
				scenario.name(), count, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
				h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, statuses);
	}

	private record Scenario(String name, int rate, Function<Long, HttpRequest> requests) {
	}

	private long drive(int rate, int seconds, Function<Long, HttpRequest> requests, Recorder latency, AtomicLong failed,
			ConcurrentHashMap<Integer, AtomicLong> statuses, long offset) throws Exception {
		long period = 1_000_000_000L / rate;
		long total = (long) rate * seconds;
		long start = System.nanoTime();
		List<CompletableFuture<?>> inFlight = new ArrayList<>((int) total);
		for (long i = 0; i < total; i++) {
			long scheduled = start + i * period;
			long wait = scheduled - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			inFlight.add(this.http.sendAsync(requests.apply(offset + i), HttpResponse.BodyHandlers.discarding())
				.whenComplete((response, error) -> {
					latency.recordValue(Math.max(0, (System.nanoTime() - scheduled) / 1000));
					if (error != null) {
						failed.incrementAndGet();
					}
					else {
						statuses.computeIfAbsent(response.statusCode(), (s) -> new AtomicLong()).incrementAndGet();
					}
				}));
		}
		CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
			.handle((ok, error) -> null)
			.get(60, TimeUnit.SECONDS);
		return total;
	}

}
