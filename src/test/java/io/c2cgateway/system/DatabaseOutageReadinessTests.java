package io.c2cgateway.system;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.c2cgateway.support.DatabaseProxy;
import io.c2cgateway.support.ProxiedReplica;
import io.c2cgateway.support.SecondReplica;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica whose database connection is cut with a TCP proxy: it stays up, readiness says 503
 * within 2 s (the contract), liveness stays 200, and readiness comes back with the database.
 */
class DatabaseOutageReadinessTests {

	private static ProxiedReplica proxied;

	private static DatabaseProxy proxy;

	private static SecondReplica replica;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@BeforeAll
	static void start() {
		proxied = ProxiedReplica.start((jdbcUrl) -> SecondReplica.start("outage-" + Long.toHexString(System.nanoTime()),
				Map.of("spring.datasource.url", jdbcUrl)));
		proxy = proxied.proxy();
		replica = proxied.replica();
	}

	@AfterAll
	static void stop() {
		if (proxied != null) {
			proxied.close();
		}
	}

	@Test
	void databaseUnreachableThenReadinessAnswers503WithinTwoSecondsAndLivenessStaysUp() throws Exception {
		assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
		proxy.cut();
		try {
			long started = System.nanoTime();
			HttpResponse<String> readiness = get("/actuator/health/readiness");
			Duration took = Duration.ofNanos(System.nanoTime() - started);
			System.out.printf("database cut: readiness answered %d after %d ms%n", readiness.statusCode(), took.toMillis());
			assertThat(readiness.statusCode()).isEqualTo(503);
			assertThat(took).isLessThan(Duration.ofSeconds(2));
			assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
			// A second probe while the first check may still wait is answered as fast.
			started = System.nanoTime();
			assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(503);
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
		}
		finally {
			proxy.restore();
		}
		long restored = System.nanoTime();
		long deadline = restored + Duration.ofSeconds(15).toNanos();
		int status = 0;
		while (System.nanoTime() < deadline && (status = get("/actuator/health/readiness").statusCode()) != 200) {
			Thread.sleep(100);
		}
		System.out.printf("database back: readiness 200 after %d ms%n",
				Duration.ofNanos(System.nanoTime() - restored).toMillis());
		assertThat(status).isEqualTo(200);
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + path))
			.timeout(Duration.ofSeconds(40))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

}
