package io.c2cgateway.load;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * The gateway's three kinds of callers at fixed arrival rates (open model: a new caller arrives on
 * schedule whatever the earlier ones are doing), each first warmed up (climbing to its rate, then
 * holding it; those requests are named "warm-up: …"), then measured:
 * <ul>
 * <li>stations ({@code load.station-rate}/s): start a pairing, open its SSE stream and wait for the
 * first event (the current state), approve the code in the sandbox, read the pairing every second
 * until it is AUTHORIZED (the engine polls every 5 s), fetch the device key;</li>
 * <li>devices ({@code load.device-rate}/s): a cached access token, no upstream call;</li>
 * <li>admins ({@code load.admin-rate}/s): pairing lists with filters and the stats, over
 * {@code load.pairings} seeded pairings;</li>
 * <li>station reads ({@code load.read-rate}/s, off by default): {@code GET /pairings/{id}} of a
 * pending pairing by the station that started it;</li>
 * <li>new pairings ({@code load.create-rate}/s, off by default): {@code POST /pairings} for a new
 * device, the simulator answering at once.</li>
 * </ul>
 * Run with (see docs/benchmarks.md):
 *
 * <pre>
 * ./mvnw -Pload test-compile gatling:test -Dload.device-rate=1000 -Dload.seconds=30
 * </pre>
 */
public class FleetLoadSimulation extends Simulation {

	private static final int SECONDS = Integer.getInteger("load.seconds", 30);

	private static final int WARMUP = Integer.getInteger("load.warmup-seconds", 15);

	private static final int STATION_RATE = Integer.getInteger("load.station-rate", 5);

	private static final int DEVICE_RATE = Integer.getInteger("load.device-rate", 300);

	private static final int ADMIN_RATE = Integer.getInteger("load.admin-rate", 20);

	private static final int READ_RATE = Integer.getInteger("load.read-rate", 0);

	private static final int CREATE_RATE = Integer.getInteger("load.create-rate", 0);

	private final LoadTarget target = LoadTarget.start(Integer.getInteger("load.pairings", 100_000),
			// A device key allows 50 requests a second, as any key: enough devices that none is throttled.
			(DEVICE_RATE > 0) ? Math.max(10, DEVICE_RATE / 20) : 0,
			// A station's pairing is about ten calls on its key, and the stream it watched counts against
			// the key's 20 open streams until the gateway next writes to it (up to 10 s after the close).
			// Reads and new pairings at a fleet's rate come from a fleet of stations, each well under
			// its key's 50 requests a second.
			Math.max(Math.max(4, STATION_RATE * 2), Math.max(ceilDiv(READ_RATE, 25), ceilDiv(CREATE_RATE, 25))),
			Math.max(2, ADMIN_RATE / 20), READ_RATE > 0);

	{
		// -Dload.prewarm-seconds: callers that wait for each answer, before any fixed-rate load.
		this.target.warmUp(Integer.getInteger("load.prewarm-seconds", 60), CREATE_RATE > 0);
	}

	private final HttpProtocolBuilder protocol = http.baseUrl(this.target.baseUrl)
		.acceptHeader("application/json")
		.contentTypeHeader("application/json")
		// One pool for all virtual users, like a fleet behind a few proxies: latency without a TCP
		// handshake in each request.
		.shareConnections();

	{
		List<PopulationBuilder> populations = new ArrayList<>();
		addPopulation(populations, STATION_RATE, this::stations);
		addPopulation(populations, DEVICE_RATE, this::devices);
		addPopulation(populations, ADMIN_RATE, this::admins);
		addPopulation(populations, READ_RATE, this::readers);
		addPopulation(populations, CREATE_RATE, this::creators);
		setUp(populations).protocols(this.protocol);
	}

	/** A scenario at {@code rate} a second, its warm-up first (requests named "warm-up: …"); none at 0. */
	private static void addPopulation(List<PopulationBuilder> populations, int rate,
			java.util.function.Function<String, ScenarioBuilder> scenario) {
		if (rate > 0) {
			populations.add(scenario.apply("warm-up: ").injectOpen(warmUp(rate))
				.andThen(scenario.apply("").injectOpen(constantUsersPerSec(rate).during(SECONDS))));
		}
	}

	private WakeUpProbe probe;

	@Override
	public void before() {
		// The measured window starts when the warm-ups end: a climb and a hold of load.warmup-seconds each.
		this.probe = WakeUpProbe.start(2 * WARMUP, SECONDS, this.target.gatewayProcess,
				(this.target.managementUrl != null) ? new ServerSideLatency(this.target.managementUrl) : null);
	}

	@Override
	public void after() {
		try {
			System.out.println(this.probe.report());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The warm-up climbs to the rate and then holds it for as long again: a cold JVM offered the full
	 * rate at once builds a queue that is still draining when the measurement starts.
	 */
	private static io.gatling.javaapi.core.OpenInjectionStep[] warmUp(int rate) {
		return new io.gatling.javaapi.core.OpenInjectionStep[] {
				rampUsersPerSec(Math.max(1, rate / 20)).to(rate).during(WARMUP),
				constantUsersPerSec(rate).during(WARMUP) };
	}

	private static int ceilDiv(int value, int divisor) {
		return (value + divisor - 1) / divisor;
	}

	private ScenarioBuilder stations(String phase) {
		return scenario(phase + "station").feed(circular(this.target.stationKeys, (key) -> Map.of("key", key)))
			.exec((session) -> session.set("deviceId", "LOAD-" + UUID.randomUUID().toString().substring(0, 13))
				.set("model", this.target.model))
			.exec(http(phase + "station: start pairing").post("/api/v1/pairings")
				.header("Authorization", "Bearer #{key}")
				.body(StringBody("{\"deviceId\": \"#{deviceId}\", \"model\": \"#{model}\"}"))
				.check(status().is(201), jsonPath("$.id").saveAs("id"), jsonPath("$.userCode").saveAs("userCode")))
			.exitHereIfFailed()
			.exec(sse(phase + "station: watch").get("/api/v1/pairings/#{id}/events")
				.header("Authorization", "Bearer #{key}")
				.header("Accept", "text/event-stream"))
			.exec(sse(phase + "station: first event").setCheck()
				.await(Duration.ofSeconds(10))
				.on(sse.checkMessage("current state").check(regex("PENDING"))))
			.exec(sse(phase + "station: close").close())
			.exec(http(phase + "sandbox: approve").post("/sandbox/user-codes/#{userCode}/approve")
				.check(status().in(200, 204, 302, 303)))
			// The engine polls every 5 s: the station reads its pairing until it is authorized, as the
			// console does between events.
			.asLongAs((session) -> !"AUTHORIZED".equals(session.getString("status"))
					&& (!session.contains("wait") || session.getInt("wait") < 30), "wait")
			.on(pause(Duration.ofSeconds(1)).exec(http(phase + "station: read pairing").get("/api/v1/pairings/#{id}")
				.header("Authorization", "Bearer #{key}")
				.check(status().is(200), jsonPath("$.status").saveAs("status"))))
			.exec(http(phase + "station: fetch device key").post("/api/v1/pairings/#{id}/device-key")
				.header("Authorization", "Bearer #{key}")
				.check(status().is(201)));
	}

	private ScenarioBuilder devices(String phase) {
		return scenario(phase + "device")
			.feed(circular(this.target.devices, (device) -> Map.of("deviceId", device[0], "deviceKey", device[1])))
			.exec(http(phase + "device: access token").post("/api/v1/devices/#{deviceId}/access-token")
				.header("Authorization", "Bearer #{deviceKey}")
				.check(status().is(200)));
	}

	/** A station reading its own pending pairing (the user code and URL unsealed), one call each. */
	private ScenarioBuilder readers(String phase) {
		return scenario(phase + "reader")
			.feed(circular(this.target.watched, (pairing) -> Map.of("id", pairing[0], "key", pairing[1])))
			.exec(http(phase + "station: GET pairing").get("/api/v1/pairings/#{id}")
				.header("Authorization", "Bearer #{key}")
				.check(status().is(200)));
	}

	/** A station starting a pairing for a new device: one device-code call upstream, the row and its events. */
	private ScenarioBuilder creators(String phase) {
		return scenario(phase + "creator").feed(circular(this.target.stationKeys, (key) -> Map.of("key", key)))
			.exec((session) -> session.set("deviceId", "NEW-" + UUID.randomUUID().toString().substring(0, 13))
				.set("model", this.target.model))
			.exec(http(phase + "station: POST pairing").post("/api/v1/pairings")
				.header("Authorization", "Bearer #{key}")
				.body(StringBody("{\"deviceId\": \"#{deviceId}\", \"model\": \"#{model}\"}"))
				.check(status().is(201)));
	}

	private ScenarioBuilder admins(String phase) {
		Instant now = Instant.now();
		String range = "&createdAfter=" + now.minus(30, ChronoUnit.DAYS) + "&createdBefore=" + now.minus(10, ChronoUnit.DAYS);
		List<String[]> queries = List.of(new String[] { "pairings, newest", "/api/v1/pairings" },
				new String[] { "pairings, status=FAILED", "/api/v1/pairings?status=FAILED" },
				new String[] { "pairings, model", "/api/v1/pairings?model=scale-7" },
				new String[] { "pairings, deviceId", "/api/v1/pairings?deviceId=SCALE-1234" },
				new String[] { "pairings, status+model+range", "/api/v1/pairings?status=FAILED&model=scale-3" + range },
				new String[] { "stats", "/api/v1/stats" },
				new String[] { "devices, state", "/api/v1/devices?state=REAUTH_REQUIRED" });
		ScenarioBuilder scenario = scenario(phase + "admin")
			.feed(circular(this.target.adminKeys, (key) -> Map.of("adminKey", key)))
			.feed(circular(queries, (query) -> Map.of("name", query[0], "path", query[1])));
		return scenario.exec(http(phase + "admin: #{name}").get("#{path}")
			.header("Authorization", "Bearer #{adminKey}")
			.check(status().is(200)));
	}

	/** An endless feeder going round {@code values}; Gatling calls it from many threads. */
	private static <T> Iterator<Map<String, Object>> circular(List<T> values,
			java.util.function.Function<T, Map<String, Object>> record) {
		AtomicLong next = new AtomicLong();
		return new Iterator<>() {

			@Override
			public boolean hasNext() {
				return true;
			}

			@Override
			public Map<String, Object> next() {
				return record.apply(values.get((int) (next.getAndIncrement() % values.size())));
			}

		};
	}

}
