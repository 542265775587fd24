package io.c2cgateway.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import io.c2cgateway.C2cGatewayApplication;

/**
 * The gateway as a separate operating-system process, started the way a container starts it: the
 * production main class, the application's classpath (the test JVM's, less the test classes, so
 * no test configuration or test profile file is seen), settings from environment variables. Its
 * output goes to a file under {@code target/}. Kill it with {@link #kill()} (SIGKILL on Linux);
 * {@link #close()} makes sure it is gone, and a shutdown hook does so if the test JVM exits first.
 */
public final class GatewayProcess implements AutoCloseable {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

	private final Process process;

	private final int port;

	private final int managementPort;

	private final Path log;

	private final Thread reaper;

	private GatewayProcess(Process process, int port, int managementPort, Path log) {
		this.process = process;
		this.port = port;
		this.managementPort = managementPort;
		this.log = log;
		this.reaper = new Thread(process::destroyForcibly, "gateway-process-reaper-" + process.pid());
		Runtime.getRuntime().addShutdownHook(this.reaper);
	}

	/**
	 * Starts a gateway process with the shared test database and the given environment on top.
	 * {@code SERVER_PORT} is chosen here; {@code log} receives stdout and stderr (appended). With
	 * {@code MANAGEMENT_SERVER_PORT} in {@code environment}, readiness is awaited on that port.
	 */
	public static GatewayProcess start(Map<String, String> environment, Path log) throws IOException {
		// A small heap and the C1 compiler only: starts faster on a small machine, enough for a test.
		return start(List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), environment, log);
	}

	/** As {@link #start(Map, Path)}, with these JVM options instead of a test's (a load run's, say). */
	public static GatewayProcess start(List<String> jvmOptions, Map<String, String> environment, Path log)
			throws IOException {
		return start(Path.of(System.getProperty("java.home")), jvmOptions, environment, log);
	}

	/**
	 * As {@link #start(List, Map, Path)}, on the Java runtime in {@code javaHome} instead of this
	 * JVM's: the container image ships a newer runtime than the release the code is compiled for.
	 */
	public static GatewayProcess start(Path javaHome, List<String> jvmOptions, Map<String, String> environment,
			Path log) throws IOException {
		int port = freePort();
		List<String> command = new ArrayList<>();
		command.add(javaHome.resolve("bin").resolve("java").toString());
		command.addAll(jvmOptions);
		command.add("-cp");
		command.add(applicationClassPath());
		command.add(C2cGatewayApplication.class.getName());
		ProcessBuilder builder = new ProcessBuilder(command);
		Map<String, String> env = builder.environment();
		env.keySet().removeIf((name) -> name.startsWith("SPRING_") || name.startsWith("GATEWAY_"));
		TestDatabase.properties().forEach((key, value) -> env.put(key.toUpperCase().replace('.', '_'), value));
		env.put("SERVER_PORT", String.valueOf(port));
		env.put("SPRING_MAIN_BANNER_MODE", "off");
		env.putAll(environment);
		Files.createDirectories(log.toAbsolutePath().getParent());
		builder.redirectErrorStream(true);
		builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
		String management = env.get("MANAGEMENT_SERVER_PORT");
		int managementPort = (management != null && !management.isBlank()) ? Integer.parseInt(management) : port;
		return new GatewayProcess(builder.start(), port, managementPort, log);
	}

	public long pid() {
		return this.process.pid();
	}

	public int port() {
		return this.port;
	}

	/** Where actuator answers: {@code MANAGEMENT_SERVER_PORT} if it was given, else {@link #port()}. */
	public int managementPort() {
		return this.managementPort;
	}

	public Path log() {
		return this.log;
	}

	public boolean alive() {
		return this.process.isAlive();
	}

	/** Waits until readiness answers 200; fails with the end of the log if the process exits or time runs out. */
	public void awaitReady(Duration limit) throws InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		HttpRequest probe = HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.managementPort + "/actuator/health/readiness"))
			.timeout(Duration.ofSeconds(2))
			.build();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("gateway process exited with " + this.process.exitValue()
						+ " before it was ready; its log ends:\n" + tail(40));
			}
			try {
				if (HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
					return;
				}
			}
			catch (IOException notYet) {
				// not listening yet
			}
			Thread.sleep(50);
		}
		throw new IllegalStateException("gateway process not ready within " + limit + "; its log ends:\n" + tail(40));
	}

	/** The body of a GET on the process's own port, e.g. {@code /actuator/prometheus}. */
	public String get(String path) throws IOException, InterruptedException {
		return get(this.port, path);
	}

	/** The body of a GET on one of the process's ports; fails unless it answers 200. */
	public String get(int port, String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
		HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IllegalStateException("GET " + path + " answered " + response.statusCode());
		}
		return response.body();
	}

	/** The status of a GET on one of the process's ports, whatever it is. */
	public int status(int port, String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
		return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	/** SIGKILL (on Linux): no shutdown hook, no hand-back, no last write. Returns once the process is gone. */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly();
		if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException("gateway process " + pid() + " survived SIGKILL for 10 s");
		}
	}

	/** SIGTERM, then SIGKILL if it has not exited within {@code grace}. */
	public void stop(Duration grace) throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
			kill();
		}
	}

	/** The last {@code lines} lines of the process's output. */
	public String tail(int lines) {
		try {
			List<String> all = Files.readAllLines(this.log);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException ex) {
			return "(log " + this.log + " unreadable: " + ex.getMessage() + ")";
		}
	}

	@Override
	public void close() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			Runtime.getRuntime().removeShutdownHook(this.reaper);
		}
		catch (IllegalStateException shuttingDown) {
			// the hook runs anyway
		}
	}

	/**
	 * The test JVM's classpath without its test classes. Surefire may put a manifest-only jar on
	 * {@code java.class.path}; its {@code Class-Path} entries are expanded (relative ones resolve
	 * against the jar's folder) so the test classes can be left out.
	 */
	public static String applicationClassPath() {
		Path testClasses = testClasses();
		Set<String> entries = new LinkedHashSet<>();
		for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
			if (entry.isBlank()) {
				continue;
			}
			Path path = Path.of(entry).toAbsolutePath().normalize();
			List<Path> referenced = manifestClassPath(path);
			if (referenced.isEmpty()) {
				entries.add(path.toString());
			}
			else {
				referenced.forEach((ref) -> entries.add(ref.toString()));
			}
		}
		entries.remove(testClasses.toString());
		return String.join(File.pathSeparator, entries);
	}

	private static List<Path> manifestClassPath(Path jar) {
		if (!jar.getFileName().toString().endsWith(".jar") || !Files.isRegularFile(jar)) {
			return List.of();
		}
		try (JarFile file = new JarFile(jar.toFile())) {
			Manifest manifest = file.getManifest();
			String classPath = (manifest != null) ? manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH) : null;
			// Only a manifest-only jar (Surefire's booter) stands for the classpath; an ordinary
			// library jar with a Class-Path attribute is kept as it is.
			boolean manifestOnly = file.stream().allMatch((e) -> e.getName().startsWith("META-INF/"));
			if (classPath == null || !manifestOnly) {
				return List.of();
			}
			List<Path> paths = new ArrayList<>();
			URI base = jar.getParent().toUri();
			for (String ref : classPath.trim().split("\\s+")) {
				paths.add(Path.of(base.resolve(ref)).toAbsolutePath().normalize());
			}
			return paths;
		}
		catch (IOException ex) {
			return List.of();
		}
	}

	private static Path testClasses() {
		try {
			return Path.of(GatewayProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI())
				.toAbsolutePath()
				.normalize();
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A port nothing listens on now, for a setting such as {@code MANAGEMENT_SERVER_PORT}. */
	public static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

}
