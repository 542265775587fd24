package io.c2cgateway.ops;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.c2cgateway.support.GatewayProcess;
import io.c2cgateway.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code MANAGEMENT_SERVER_PORT}, as the Kubernetes manifests set it: health and metrics answer on
 * that port only, so a Service or Ingress that routes the API port never exposes them, and the API
 * stays on {@code SERVER_PORT}. A real gateway process with production settings.
 */
class ManagementPortTests {

	@Test
	void whenAManagementPortIsSetThenActuatorAnswersThereAndNotOnTheApiPort() throws Exception {
		int management = GatewayProcess.freePort();
		Map<String, String> environment = new HashMap<>(Map.of("MANAGEMENT_SERVER_PORT", String.valueOf(management),
				"GATEWAY_CRYPTO_KEYS", "mgmt:" + "A".repeat(43) + "=",
				"GATEWAY_POLLING_ENABLED", "false", "GATEWAY_TOKENS_KEEP_ALIVE_ENABLED", "false",
				"GATEWAY_TOKENS_REVOCATION_RETRY_ENABLED", "false", "GATEWAY_RETENTION_ENABLED", "false",
				"GATEWAY_CRYPTO_ROTATION_INITIAL_DELAY", "1h"));
		// A database of its own: the shared one holds rows other tests sealed with keys this process
		// does not have, and the gateway rightly refuses to start on those.
		environment.put("SPRING_DATASOURCE_URL", emptyDatabase());
		try (GatewayProcess gateway = GatewayProcess.start(environment,
				Path.of("target", "management-port", "gateway.log"))) {
			gateway.awaitReady(Duration.ofSeconds(90));
			int api = gateway.port();
			assertThat(api).isNotEqualTo(management);

			for (String path : new String[] { "/actuator/health/liveness", "/actuator/health/readiness",
					"/actuator/prometheus", "/actuator/info" }) {
				assertThat(gateway.status(management, path)).as("%s on the management port", path).isEqualTo(200);
				assertThat(gateway.status(api, path)).as("%s on the API port", path).isEqualTo(404);
			}
			assertThat(gateway.get(management, "/actuator/prometheus")).contains("jvm_memory_used_bytes");
			// Nothing but actuator on the management port; the API stays where it was.
			assertThat(gateway.status(management, "/v3/api-docs")).isEqualTo(404);
			assertThat(gateway.status(api, "/api/v1/stats")).isEqualTo(401);
			assertThat(gateway.status(api, "/v3/api-docs")).isEqualTo(200);
		}
	}

	private static String emptyDatabase() throws Exception {
		Map<String, String> shared = TestDatabase.properties();
		String url = shared.get("spring.datasource.url");
		String name = "management_port_" + UUID.randomUUID().toString().replace("-", "");
		try (Connection connection = DriverManager.getConnection(url, shared.get("spring.datasource.username"),
				shared.get("spring.datasource.password"))) {
			connection.createStatement().execute("create database " + name);
		}
		return url.replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
	}

}
