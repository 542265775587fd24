package io.c2cgateway.ops;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image's {@code HEALTHCHECK} program (src/main/docker/HealthCheck.java), compiled and run as
 * the container runs it: a separate JVM against a local HTTP server standing in for the gateway.
 */
class ContainerHealthCheckTests {

	@TempDir
	static Path classes;

	private final List<String> requestedPaths = new CopyOnWriteArrayList<>();

	private HttpServer server;

	@BeforeAll
	static void compileHealthCheck() {
		JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
		int result = compiler.run(null, null, null, "-d", classes.toString(),
				Path.of("src", "main", "docker", "HealthCheck.java").toString());
		assertThat(result).as("javac exit code").isZero();
	}

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.stop(0);
		}
	}

	@Test
	void healthCheckPassesWhenTheLivenessGroupAnswersOk() throws Exception {
		int port = startServer(200);
		assertThat(runHealthCheck(port)).isZero();
		assertThat(this.requestedPaths).containsExactly("/actuator/health/liveness");
	}

	@Test
	void healthCheckFailsWhenTheLivenessGroupAnswersServiceUnavailable() throws Exception {
		int port = startServer(503);
		assertThat(runHealthCheck(port)).isEqualTo(1);
	}

	@Test
	void healthCheckFailsWhenNothingListens() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		assertThat(runHealthCheck(port)).isEqualTo(1);
	}

	@Test
	void healthCheckAsksTheManagementPortWhenOneIsSet() throws Exception {
		int management = startServer(200);
		int api;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			api = socket.getLocalPort();
		}
		// Nothing listens on SERVER_PORT: only the management port can make it pass.
		assertThat(runHealthCheck(Map.of("SERVER_PORT", String.valueOf(api), "MANAGEMENT_SERVER_PORT",
				String.valueOf(management)))).isZero();
		assertThat(this.requestedPaths).containsExactly("/actuator/health/liveness");
	}

	private int startServer(int status) throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", (exchange) -> {
			this.requestedPaths.add(exchange.getRequestURI().getPath());
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		this.server.start();
		return this.server.getAddress().getPort();
	}

	private static int runHealthCheck(int port) throws IOException, InterruptedException {
		return runHealthCheck(Map.of("SERVER_PORT", String.valueOf(port)));
	}

	private static int runHealthCheck(Map<String, String> environment) throws IOException, InterruptedException {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		ProcessBuilder builder = new ProcessBuilder(java.toString(), "-cp", classes.toString(), "HealthCheck")
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD);
		builder.environment().remove("SERVER_PORT");
		builder.environment().remove("MANAGEMENT_SERVER_PORT");
		builder.environment().putAll(environment);
		Process process = builder.start();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("health check finished").isTrue();
		return process.exitValue();
	}

}
