package io.c2cgateway.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.c2cgateway.C2cGatewayApplication;
import io.c2cgateway.support.BenchmarkMachine;
import io.c2cgateway.support.FleetSeed;
import io.c2cgateway.support.GatewayProcess;
import io.c2cgateway.support.TestDatabase;

/**
 * The gateway a load run aims at, made ready before any load: by default one started in this JVM
 * (the local profile: an embedded PostgreSQL, the built-in Frame.io simulator answering at once,
 * the poll engine running) with {@code load.pairings} pairings of history seeded into its
 * database; with {@code -Dload.url=…} and {@code -Dload.admin-key=…} a running sandbox gateway
 * elsewhere, left unseeded. Either way it creates the keys, a device model and {@code devices}
 * paired devices with their device keys, through the API.
 */
final class LoadTarget {

	/** The local profile's development keys (src/test/resources/application-local.yml): never used elsewhere. */
	private static final String DEVELOPMENT_CRYPTO_KEYS = "dev1:ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk=";

	private static final String DEVELOPMENT_ADMIN_KEY = "local-admin-key-for-development-only";

	/**
	 * As the container image runs it (Dockerfile), with a fixed heap instead of a share of the pod's
	 * memory. The process's classpath is this JVM's (less the test classes), so Gatling's io_uring
	 * transport is on it too: the same reason as below to keep Reactor Netty off native transports.
	 */
	private static final String GATEWAY_JVM = "-XX:+UseG1GC -Xmx1g -XX:+ExitOnOutOfMemoryError -Dreactor.netty.native=false";

	private static final Pattern FIELD = Pattern.compile("\"(id|key|deviceKey|userCode|status)\"\\s*:\\s*\"([^\"]*)\"");

	final String baseUrl;

	final String model = "load-" + UUID.randomUUID().toString().substring(0, 8);

	final List<String> stationKeys = new ArrayList<>();

	final List<String> adminKeys = new ArrayList<>();

	/** deviceId, device key */
	final List<String[]> devices = new ArrayList<>();

	/** pairing id, the station key that started it: one pending pairing per station key */
	final List<String[]> watched = new ArrayList<>();

	/** The gateway when this run started it as a process of its own, else null. */
	ProcessHandle gatewayProcess;

	/** Where the gateway this run started answers actuator, else null. */
	String managementUrl;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String bootstrapKey;

	private LoadTarget(String baseUrl, String bootstrapKey) {
		this.baseUrl = baseUrl;
		this.bootstrapKey = bootstrapKey;
	}

	static LoadTarget start(int pairings, int devices, int stationKeys, int adminKeys, boolean watch) {
		BenchmarkMachine.print("gateway load (Gatling)");
		String url = System.getProperty("load.url");
		LoadTarget target;
		if (url != null) {
			target = new LoadTarget(url, System.getProperty("load.admin-key"));
		}
		else {
			TestDatabase.properties().forEach(System::setProperty);
			// Gatling brings Netty's io_uring transport, which Reactor Netty would prefer over the epoll
			// the gateway's Frame.io client has in production; under load its calls to the simulator
			// then failed. Without native transports Reactor Netty takes NIO (Gatling keeps its own).
			System.setProperty("reactor.netty.native", "false");
			// -Dload.engine=false: no polling, so new pairings created at a fleet's rate measure the API
			// and not the engine polling all of them on the same cores (the engine has its own benchmark).
			boolean engine = Boolean.parseBoolean(System.getProperty("load.engine", "true"));
			// -Dload.upstream=separate: Frame.io is a stand-in on its own port instead of the built-in
			// simulator, which answers on the gateway's own servlet threads. New pairings at hundreds a
			// second then starve themselves: every worker waits for a device-code answer that needs a
			// worker (seen: all 200 blocked in PairingService.start, every call a 504).
			String upstream = System.getProperty("load.upstream", "simulator");
			if (!engine && devices > 0) {
				throw new IllegalArgumentException(
						"-Dload.engine=false leaves nobody to authorize the devices the device scenario needs: set -Dload.device-rate=0");
			}
			String frameio = null;
			if (upstream.equals("separate")) {
				if (devices > 0) {
					throw new IllegalArgumentException("-Dload.upstream=separate approves no codes, so nothing can be paired"
							+ " for the device scenario: set -Dload.device-rate=0 and -Dload.station-rate=0");
				}
				frameio = StandIn.start();
			}
			// -Dload.gateway=process (the default): the gateway is a process of its own, started as the
			// container starts it (its main class, G1, its own heap), so the load generator's allocations
			// and collections are not the gateway's. -Dload.gateway=in-jvm: started inside this JVM, one
			// heap for both (how the first runs in docs/benchmarks.md were made).
			String where = System.getProperty("load.gateway", "process");
			String port;
			String managementPort;
			DataSource database;
			ProcessHandle handle = null;
			if (where.equals("process")) {
				Map<String, String> environment = new HashMap<>();
				environment.put("SPRING_PROFILES_ACTIVE", "sandbox");
				environment.put("GATEWAY_INSTANCE_ID", "load");
				environment.put("GATEWAY_CRYPTO_KEYS", DEVELOPMENT_CRYPTO_KEYS);
				environment.put("GATEWAY_SECURITY_BOOTSTRAP_ADMIN_KEY", DEVELOPMENT_ADMIN_KEY);
				environment.put("GATEWAY_POLLING_ENABLED", String.valueOf(engine));
				environment.put("LOGGING_LEVEL_ROOT", "WARN");
				environment.put("LOGGING_LEVEL_IO_C2CGATEWAY", "WARN");
				managementPort = String.valueOf(freePort());
				environment.put("MANAGEMENT_SERVER_PORT", managementPort);
				// Its own request times as a histogram, read at the measured window's start and end.
				environment.put("SPRING_APPLICATION_JSON", ServerSideLatency.SETTINGS);
				if (frameio != null) {
					environment.put("GATEWAY_FRAMEIO_BASE_URL", frameio);
				}
				// -Dload.gateway-env=NAME=value,NAME=value: settings of the gateway under load, as a deployment sets them.
				for (String setting : System.getProperty("load.gateway-env", "").split(",")) {
					if (!setting.isBlank()) {
						String[] pair = setting.split("=", 2);
						environment.put(pair[0].trim(), pair[1].trim());
					}
				}
				List<String> jvm = List.of(System.getProperty("load.gateway-jvm", GATEWAY_JVM).trim().split("\\s+"));
				// -Dload.gateway-java=<a Java home>: the runtime the gateway runs on, by default this
				// JVM's. The container image ships a newer one than the release the code is built for.
				Path java = Path.of(System.getProperty("load.gateway-java", System.getProperty("java.home")));
				Path log = Path.of("target", "gatling", "gateway-" + System.currentTimeMillis() + ".log");
				GatewayProcess process = startProcess(java, jvm, environment, log);
				System.out.printf("gateway process %d (Java %s, %s), log %s%n", process.pid(),
						javaVersion(java), String.join(" ", jvm), log);
				port = String.valueOf(process.port());
				handle = ProcessHandle.of(process.pid()).orElse(null);
				database = dataSource(TestDatabase.properties());
			}
			else {
				List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0",
						"--logging.level.root=WARN", "--logging.level.io.c2cgateway=WARN",
						"--gateway.polling.enabled=" + engine, "--spring.application.json=" + ServerSideLatency.SETTINGS));
				if (frameio != null) {
					arguments.add("--gateway.frameio.base-url=" + frameio);
				}
				ConfigurableApplicationContext context = SpringApplication.from(C2cGatewayApplication::main)
					.withAdditionalProfiles("local", "sandbox")
					.run(arguments.toArray(String[]::new))
					.getApplicationContext();
				port = context.getEnvironment().getProperty("local.server.port");
				managementPort = context.getEnvironment().getProperty("local.management.port");
				database = context.getBean(DataSource.class);
			}
			long seeding = System.nanoTime();
			FleetSeed.write(database, pairings, Instant.now());
			System.out.printf("seeded %,d pairings and %,d devices in %.1f s%n", pairings, FleetSeed.devices(pairings),
					(System.nanoTime() - seeding) / 1e9);
			target = new LoadTarget("http://127.0.0.1:" + port, DEVELOPMENT_ADMIN_KEY);
			target.gatewayProcess = handle;
			target.managementUrl = "http://127.0.0.1:" + managementPort;
			// The seeding keeps the database busy; the replica claims work once it is ready again
			// (its clock-skew check among others).
			target.awaitReady("http://127.0.0.1:" + managementPort);
		}
		target.prepare(devices, stationKeys, adminKeys, watch);
		return target;
	}

	private static GatewayProcess startProcess(Path java, List<String> jvm, Map<String, String> environment,
			Path log) {
		try {
			GatewayProcess process = GatewayProcess.start(java, jvm, environment, log);
			process.awaitReady(Duration.ofSeconds(180));
			return process;
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException("The gateway process did not start", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The version a Java home declares in its {@code release} file. */
	private static String javaVersion(Path home) {
		try {
			return Files.readAllLines(home.resolve("release"))
				.stream()
				.filter((line) -> line.startsWith("JAVA_VERSION="))
				.map((line) -> line.substring("JAVA_VERSION=".length()).replace("\"", ""))
				.findFirst()
				.orElse("unknown");
		}
		catch (java.io.IOException ex) {
			return "unknown";
		}
	}

	private static int freePort() {
		try {
			return GatewayProcess.freePort();
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The seeding's own connection to the database the gateway process uses. */
	private static DataSource dataSource(Map<String, String> properties) {
		return new DriverManagerDataSource(properties.get("spring.datasource.url"),
				properties.get("spring.datasource.username"), properties.get("spring.datasource.password"));
	}

	private void prepare(int deviceCount, int stationCount, int adminCount, boolean watch) {
		call("PUT", "/api/v1/device-models/" + this.model, this.bootstrapKey,
				"{\"clientSecret\": \"load-secret\", \"defaultClientVersion\": \"1.0.0\"}", 201);
		for (int i = 0; i < stationCount; i++) {
			this.stationKeys.add(newKey("STATION"));
		}
		for (int i = 0; i < adminCount; i++) {
			this.adminKeys.add(newKey("ADMIN"));
		}
		// Many devices: each device key has its own rate limit, as each device in a fleet would.
		List<String[]> started = new ArrayList<>();
		for (int i = 0; i < deviceCount; i++) {
			String station = this.stationKeys.get(i % this.stationKeys.size());
			String deviceId = "LOAD-DEV-" + UUID.randomUUID().toString().substring(0, 8);
			Map<String, String> pairing = call("POST", "/api/v1/pairings", station,
					"{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + this.model + "\"}", 201);
			call("POST", "/sandbox/user-codes/" + pairing.get("userCode") + "/approve", null, "", 0);
			started.add(new String[] { deviceId, pairing.get("id"), station });
		}
		long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
		for (String[] device : started) {
			while (!"AUTHORIZED".equals(call("GET", "/api/v1/pairings/" + device[1], device[2], null, 200).get("status"))) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("Pairing " + device[1] + " was not authorized within 120 s");
				}
				pause();
			}
			String key = call("POST", "/api/v1/pairings/" + device[1] + "/device-key", device[2], "", 201).get("deviceKey");
			this.devices.add(new String[] { device[0], key });
		}
		if (watch) {
			for (String station : this.stationKeys) {
				Map<String, String> pairing = call("POST", "/api/v1/pairings", station, "{\"deviceId\": \"LOAD-READ-"
						+ UUID.randomUUID().toString().substring(0, 8) + "\", \"model\": \"" + this.model + "\"}", 201);
				this.watched.add(new String[] { pairing.get("id"), station });
			}
		}
		System.out.printf("ready: %d station keys, %d admin keys, %d paired devices, model %s, at %s%n", stationCount,
				adminCount, deviceCount, this.model, this.baseUrl);
	}

	/**
	 * Calls the gateway as the scenarios will, from a few threads each waiting for its answer, for
	 * {@code seconds}: a JVM that has just started runs its first minute on the interpreter and its
	 * compilers, at a fraction of its later speed, and an open-model warm-up offered that JVM
	 * hundreds of calls a second built a queue of thousands that was still draining when the
	 * measurement began (seen: 4,101 calls in flight 20 s into a read run's warm-up). Waiting for
	 * each answer cannot build a queue. New pairings only when {@code create}: each is a pairing more.
	 */
	void warmUp(int seconds, boolean create) {
		List<java.util.function.LongConsumer> kinds = warmUpCalls(create);
		if (seconds <= 0 || kinds.isEmpty()) {
			return;
		}
		java.util.concurrent.atomic.AtomicReference<RuntimeException> failed = new java.util.concurrent.atomic.AtomicReference<>();
		long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
		java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < 4; t++) {
			int offset = t;
			Thread thread = new Thread(() -> {
				for (long i = offset; System.nanoTime() < deadline && failed.get() == null; i += 4) {
					try {
						kinds.get((int) ((i / 4) % kinds.size())).accept(i);
						calls.incrementAndGet();
					}
					catch (Answered ex) {
						if (ex.status != 429) {
							failed.compareAndSet(null, ex);
						}
						// A key's own budget (50 a second): this caller waits, as a station would.
						pause();
					}
					catch (RuntimeException ex) {
						failed.compareAndSet(null, ex);
					}
				}
			}, "gateway-warm-up-" + t);
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			try {
				thread.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		if (failed.get() != null) {
			throw failed.get();
		}
		System.out.printf("warmed the gateway up with %,d calls in %d s, each awaited%n", calls.get(), seconds);
	}

	/** The kinds of call the warm-up makes, of those this run has the keys and records for. */
	private List<java.util.function.LongConsumer> warmUpCalls(boolean create) {
		List<java.util.function.LongConsumer> kinds = new ArrayList<>();
		if (!this.watched.isEmpty()) {
			kinds.add((i) -> {
				String[] pairing = this.watched.get((int) (i % this.watched.size()));
				call("GET", "/api/v1/pairings/" + pairing[0], pairing[1], null, 200);
			});
		}
		if (!this.devices.isEmpty()) {
			kinds.add((i) -> {
				String[] device = this.devices.get((int) (i % this.devices.size()));
				call("POST", "/api/v1/devices/" + device[0] + "/access-token", device[1], "", 200);
			});
		}
		if (create) {
			kinds.add((i) -> call("POST", "/api/v1/pairings", this.stationKeys.get((int) (i % this.stationKeys.size())),
					"{\"deviceId\": \"WARM-" + UUID.randomUUID().toString().substring(0, 13) + "\", \"model\": \""
							+ this.model + "\"}",
					201));
		}
		if (!this.adminKeys.isEmpty()) {
			kinds.add((i) -> call("GET", "/api/v1/pairings?status=FAILED", this.adminKeys.get(0), null, 200));
		}
		return kinds;
	}

	private void awaitReady(String managementUrl) {
		long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
		while (System.nanoTime() < deadline) {
			try {
				HttpResponse<String> response = this.http.send(
						HttpRequest.newBuilder(URI.create(managementUrl + "/actuator/health/readiness")).build(),
						HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 200) {
					return;
				}
			}
			catch (java.io.IOException ex) {
				// not listening yet
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			pause();
		}
		throw new IllegalStateException("The gateway did not become ready within 120 s");
	}

	private String newKey(String role) {
		return call("POST", "/api/v1/api-keys", this.bootstrapKey,
				"{\"name\": \"load-" + role.toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8)
						+ "\", \"role\": \"" + role + "\"}",
				201)
			.get("key");
	}

	/** One set-up call; {@code expected} 0 accepts any 2xx. Returns the answer's top-level string fields. */
	private Map<String, String> call(String method, String path, String key, String body, int expected) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.baseUrl + path))
			.timeout(Duration.ofSeconds(30))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody())
			.header("Content-Type", "application/json");
		if (key != null) {
			request.header("Authorization", "Bearer " + key);
		}
		try {
			HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
			// Set-up on a busy machine: the first upstream calls of a cold JVM may time out (504);
			// the gateway lost nothing and the call can be made again.
			for (int attempt = 1; attempt < 3 && (response.statusCode() == 503 || response.statusCode() == 504); attempt++) {
				response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
			}
			boolean ok = (expected == 0) ? response.statusCode() / 100 == 2 : response.statusCode() == expected;
			if (!ok) {
				throw new Answered(method + " " + path, response.statusCode());
			}
			Map<String, String> fields = new java.util.HashMap<>();
			Matcher matcher = FIELD.matcher(response.body());
			while (matcher.find()) {
				fields.putIfAbsent(matcher.group(1), matcher.group(2));
			}
			return fields;
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(method + " " + path + " failed", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static void pause() {
		try {
			Thread.sleep(200);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** A set-up call answered with a status it did not expect. */
	static final class Answered extends IllegalStateException {

		final int status;

		Answered(String call, int status) {
			super(call + " answered " + status);
			this.status = status;
		}

	}

}
