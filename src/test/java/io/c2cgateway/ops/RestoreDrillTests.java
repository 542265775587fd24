package io.c2cgateway.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import io.c2cgateway.C2cGatewayApplication;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/restore-drill.sh}, run as an operator runs it, against a gateway process that holds
 * paired devices: the script dumps that gateway's database with the machine's {@code pg_dump},
 * restores it into a new database, starts a second gateway on it with the same crypto keys, and
 * asks it for access tokens.
 * <p>
 * The server is PostgreSQL 15 (zonky's binaries, copied to {@code target/restore-drill} by the
 * build), not the shared 16 of the other tests: {@code pg_dump} refuses a server newer than itself,
 * and Debian 12 ships 15 ({@code .ci/run} installs {@code postgresql-client} where it is missing).
 * The source gateway runs the built-in Frame.io simulator, which the drill gateway then calls.
 * Two or three gateway JVMs start here, 10-30 s each on a 2-core machine.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class RestoreDrillTests {

	private static final Path SCRIPT = Path.of("scripts", "restore-drill.sh");

	private static final Path BINARIES = Path.of("target", "restore-drill", "restore-drill-postgres.jar");

	private static final Path WORK = Path.of("target", "restore-drill");

	private static final Duration START_LIMIT = Duration.ofSeconds(120);

	private static final String DATABASE = "c2c_gateway";

	/**
	 * The simulator's access tokens live this long, so the drill gateway finds them past half their
	 * life (the gateway's threshold for a token shorter than min-validity) and refreshes them.
	 */
	private static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofSeconds(20);

	private static EmbeddedPostgres postgres;

	private static GatewayProcess source;

	private static String cryptoKeys;

	private static String adminKey;

	private static final Map<String, Instant> handedOut = new LinkedHashMap<>();

	@BeforeAll
	static void startAGatewayWithPairedDevices() throws Exception {
		assertThat(BINARIES).as("PostgreSQL 15 binaries, copied by the restore-drill-postgres profile").isRegularFile();
		assertThat(run(List.of("pg_dump", "--version"), Map.of(), Duration.ofSeconds(10)).exitCode())
			.as("pg_dump on the PATH (Debian: apt-get install postgresql-client)")
			.isZero();
		postgres = EmbeddedPostgres.builder()
			.setPgBinaryResolver((system, architecture) -> binaries())
			.setServerConfig("fsync", "off")
			.start();
		try (Connection connection = postgres.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create database " + DATABASE);
		}

		cryptoKeys = "drill:" + Base64.getEncoder().encodeToString(random(32));
		String bootstrapKey = HexFormat.of().formatHex(random(24));
		Map<String, String> environment = new HashMap<>(database());
		environment.putAll(Map.of("SPRING_PROFILES_ACTIVE", "sandbox", "GATEWAY_CRYPTO_KEYS", cryptoKeys,
				"GATEWAY_SECURITY_BOOTSTRAP_ADMIN_KEY", bootstrapKey, "GATEWAY_SANDBOX_INTERVAL", "1s",
				"GATEWAY_INSTANCE_ID", "restore-drill-source", "GATEWAY_CRYPTO_ROTATION_INITIAL_DELAY", "1h",
				"GATEWAY_SANDBOX_ACCESS_TOKEN_LIFETIME", ACCESS_TOKEN_LIFETIME.toSeconds() + "s"));
		source = GatewayProcess.start(environment, WORK.resolve("source-gateway.log"));
		source.awaitReady(START_LIMIT);

		Api api = Api.at(source.port());
		Api bootstrap = api.as(bootstrapKey);
		assertThat(bootstrap.put("/api/v1/device-models/cam-x", "{\"clientSecret\": \"drill-secret\"}").status())
			.isEqualTo(201);
		// The drill uses a key that lives in the database, as a real operator's would.
		adminKey = bootstrap.post("/api/v1/api-keys", "{\"name\": \"drill-admin\", \"role\": \"ADMIN\"}")
			.json()
			.path("key")
			.asString();
		Api admin = api.as(adminKey);
		for (String deviceId : List.of("SN-DRILL-1", "SN-DRILL-2")) {
			Api.Response started = admin.post("/api/v1/pairings", "{\"deviceId\": \"" + deviceId + "\", \"model\": \"cam-x\"}");
			assertThat(started.status()).as(started.body()).isEqualTo(201);
			String id = started.json().path("id").asString();
			String userCode = started.json().path("userCode").asString();
			assertThat(api.post("/sandbox/user-codes/" + userCode + "/approve", null).status()).isEqualTo(200);
			awaitAuthorized(admin, id);
			String deviceKey = admin.post("/api/v1/pairings/" + id + "/device-key", null).json().path("deviceKey").asString();
			Api.Response token = api.as(deviceKey).post("/api/v1/devices/" + deviceId + "/access-token", null);
			assertThat(token.status()).as(token.body()).isEqualTo(200);
			handedOut.put(deviceId, Instant.parse(token.json().path("expiresAt").asString()));
		}
	}

	@AfterAll
	static void stopEverything() throws IOException {
		if (source != null) {
			source.close();
		}
		if (postgres != null) {
			postgres.close();
		}
	}

	@Test
	void restoredCopyWithTheSameKeysHandsOutAccessTokensAndRefreshesWithTheRestoredRefreshTokens() throws Exception {
		Map<String, String> environment = drillEnvironment("restored", cryptoKeys);
		environment.put("DRILL_FRAMEIO", "online");
		environment.put("GATEWAY_FRAMEIO_BASE_URL", "http://127.0.0.1:" + source.port());
		environment.put("GATEWAY_FRAMEIO_ALLOW_INSECURE_BASE_URL", "true");
		// A refresh upstream works only if the restored refresh token and the model's client secret
		// decrypt with the escrowed keys: wait until the stored access tokens are due for one.
		Instant due = handedOut.values().stream().max(Instant::compareTo).orElseThrow().minus(ACCESS_TOKEN_LIFETIME.dividedBy(2));
		while (Instant.now().isBefore(due)) {
			Thread.sleep(200);
		}

		Run drill = run(List.of("bash", SCRIPT.toString()), environment, Duration.ofMinutes(5));
		System.out.println(drill.output());

		assertThat(drill.exitCode()).as(drill.output()).isZero();
		assertThat(drill.output()).contains("2 devices asked: 2 got a token, 0 failed, 0 unchecked", "passed");
		for (Map.Entry<String, Instant> device : handedOut.entrySet()) {
			String line = drill.output()
				.lines()
				.filter((l) -> l.startsWith("ok ") && l.contains(device.getKey()))
				.findFirst()
				.orElseThrow(() -> new AssertionError("no ok line for " + device.getKey() + " in\n" + drill.output()));
			Instant refreshed = Instant.parse(line.substring(line.lastIndexOf(' ') + 1));
			assertThat(refreshed).as("a new token, from a refresh with the restored refresh token")
				.isAfter(device.getValue());
		}
		assertThat(databases()).as("the restored copy is dropped afterwards").doesNotContain("c2c_gateway_restored");
	}

	@Test
	void drillFailsWhenTheKeysAreNotTheOnesTheBackupWasWrittenWith() throws Exception {
		String otherKeys = "drill:" + Base64.getEncoder().encodeToString(random(32));
		Run drill = run(List.of("bash", SCRIPT.toString()), drillEnvironment("wrongkeys", otherKeys),
				Duration.ofMinutes(5));
		System.out.println(drill.output());

		assertThat(drill.exitCode()).as(drill.output()).isNotZero();
		assertThat(drill.output()).contains("FAILED     SN-DRILL-1", "device_tokens_unreadable").doesNotContain("passed");
		assertThat(drill.output()).as("no key in the drill's output").doesNotContain(otherKeys.substring(6), adminKey);
		assertThat(databases()).doesNotContain("c2c_gateway_wrongkeys");
	}

	@Test
	void documentedQueriesForStrandedDevicesRunOnTheSchemaAndNameTheDevicesChangedSinceTheRestorePoint()
			throws Exception {
		String operations = Files.readString(Path.of("docs", "operations.md"));
		String oldDatabase = sqlBlock(operations, "-- On the OLD database.");
		String restoredDatabase = sqlBlock(operations, "-- On the RESTORED database.");

		// Restore point before the pairings: both devices were paired after it.
		assertThat(psql(oldDatabase, "t", "2000-01-01 00:00:00+00")).hasSize(2)
			.allSatisfy((row) -> assertThat(row).contains("device.paired"))
			.anySatisfy((row) -> assertThat(row).startsWith("SN-DRILL-1|"));
		assertThat(psql(oldDatabase, "t", Instant.now().plus(Duration.ofDays(1)).toString())).isEmpty();

		// A failure a day from now: the 20 s access tokens would have been refreshed by then.
		assertThat(psql(restoredDatabase, "failed_at", Instant.now().plus(Duration.ofDays(1)).toString()))
			.hasSize(2);
		// A failure an hour ago: nothing was due yet, no device can be stranded.
		assertThat(psql(restoredDatabase, "failed_at", Instant.now().minus(Duration.ofHours(1)).toString()))
			.isEmpty();
	}

	private static String sqlBlock(String markdown, String firstLine) {
		int start = markdown.indexOf(firstLine);
		assertThat(start).as("a SQL block starting with %s", firstLine).isNotNegative();
		return markdown.substring(start, markdown.indexOf("```", start));
	}

	/** Rows of {@code sql} run by psql on the source database, columns joined with |. */
	private static List<String> psql(String sql, String variable, String value) throws Exception {
		Path file = Files.createTempFile("restore-drill", ".sql");
		try {
			Files.writeString(file, sql);
			Run run = run(List.of("psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-v", variable + "=" + value, "-h",
					"localhost", "-p", String.valueOf(postgres.getPort()), "-U", "postgres", "-d", DATABASE, "-f",
					file.toString()), Map.of(), Duration.ofSeconds(30));
			assertThat(run.exitCode()).as(run.output()).isZero();
			return run.output().lines().filter((line) -> !line.isBlank()).toList();
		}
		finally {
			Files.deleteIfExists(file);
		}
	}

	private static Map<String, String> drillEnvironment(String name, String keys) throws IOException {
		Map<String, String> env = new HashMap<>();
		env.put("PGHOST", "localhost");
		env.put("PGPORT", String.valueOf(postgres.getPort()));
		env.put("PGUSER", "postgres");
		env.put("PGPASSWORD", "");
		env.put("SOURCE_DATABASE", DATABASE);
		env.put("DRILL_DATABASE", DATABASE + "_" + name);
		env.put("GATEWAY_CRYPTO_KEYS", keys);
		env.put("DRILL_ADMIN_KEY", adminKey);
		env.put("DRILL_PORT", String.valueOf(GatewayProcess.freePort()));
		env.put("DRILL_MANAGEMENT_PORT", String.valueOf(GatewayProcess.freePort()));
		env.put("DRILL_START_TIMEOUT", String.valueOf(START_LIMIT.toSeconds()));
		env.put("DRILL_WORK_DIR", WORK.resolve(name).toAbsolutePath().toString());
		// The production main class on the application's classpath, as a container starts it.
		env.put("DRILL_GATEWAY_COMMAND",
				String.join(" ", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
						"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", GatewayProcess.applicationClassPath(),
						C2cGatewayApplication.class.getName()));
		return env;
	}

	private static Map<String, String> database() {
		return Map.of("SPRING_DATASOURCE_URL", "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE,
				"SPRING_DATASOURCE_USERNAME", "postgres", "SPRING_DATASOURCE_PASSWORD", "");
	}

	private static List<String> databases() throws Exception {
		try (Connection connection = postgres.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement();
				var rows = statement.executeQuery("select datname from pg_database")) {
			List<String> names = new java.util.ArrayList<>();
			while (rows.next()) {
				names.add(rows.getString(1));
			}
			return names;
		}
	}

	private static void awaitAuthorized(Api admin, String pairingId) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		String status = null;
		while (System.nanoTime() < deadline) {
			status = admin.get("/api/v1/pairings/" + pairingId).json().path("status").asString();
			if ("AUTHORIZED".equals(status)) {
				return;
			}
			Thread.sleep(200);
		}
		throw new AssertionError("pairing " + pairingId + " still " + status + " after 60 s; log ends:\n" + source.tail(20));
	}

	/** The .txz inside zonky's binaries jar, opened anew for each call as zonky expects. */
	private static InputStream binaries() throws IOException {
		ZipFile jar = new ZipFile(BINARIES.toFile());
		ZipEntry archive = jar.stream()
			.filter((entry) -> entry.getName().endsWith(".txz"))
			.findFirst()
			.orElseThrow(() -> new IOException("no .txz in " + BINARIES));
		return new java.io.FilterInputStream(jar.getInputStream(archive)) {
			@Override
			public void close() throws IOException {
				super.close();
				jar.close();
			}
		};
	}

	private static byte[] random(int bytes) {
		byte[] value = new byte[bytes];
		new SecureRandom().nextBytes(value);
		return value;
	}

	record Run(int exitCode, String output) {
	}

	private static Run run(List<String> command, Map<String, String> environment, Duration limit)
			throws IOException, InterruptedException {
		Path output = Files.createTempFile("restore-drill", ".out");
		try {
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile());
			builder.environment().keySet().removeIf((name) -> name.startsWith("SPRING_") || name.startsWith("GATEWAY_")
					|| name.startsWith("PG") || name.startsWith("DRILL_"));
			builder.environment().putAll(environment);
			Process process = builder.start();
			if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroy();
				process.waitFor(45, TimeUnit.SECONDS);
				process.destroyForcibly();
				throw new AssertionError(command + " did not finish within " + limit + ":\n"
						+ Files.readString(output, StandardCharsets.UTF_8));
			}
			return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
		}
		finally {
			Files.deleteIfExists(output);
		}
	}

}
