package io.c2cgateway.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No secret reaches a log line, even at DEBUG: client secrets, device codes, tokens and API keys
 * travel through requests, the engine and upstream calls, and none of them may show up in what the
 * process prints.
 */
@ExtendWith(OutputCaptureExtension.class)
class LogSecrecyTests extends IntegrationTest {

	/** Our code, the web layers that log request and response bodies at DEBUG, and SQL. */
	private static final List<String> LOUD = List.of("io.c2cgateway", "org.springframework.web",
			"org.springframework.security", "org.springframework.jdbc");

	@Autowired
	private SecretBox box;

	private final LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

	private final Map<String, LogLevel> levels = new LinkedHashMap<>();

	private void debug(List<String> names) {
		for (String name : names) {
			LoggerConfiguration configuration = this.logging.getLoggerConfiguration(name);
			this.levels.putIfAbsent(name, (configuration != null) ? configuration.getConfiguredLevel() : null);
			this.logging.setLogLevel(name, LogLevel.DEBUG);
		}
	}

	@AfterEach
	void restoreLevels() {
		this.levels.forEach(this.logging::setLogLevel);
	}

	@Test
	void aFullPairingFlowAtDebugLogsNoSecret(CapturedOutput output) {
		debug(LOUD);
		List<String> secrets = new ArrayList<>();
		String clientSecret = "client-secret-" + UUID.randomUUID();
		secrets.add(clientSecret);
		String model = "m-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(admin().put("/api/v1/device-models/" + model,
				"{\"clientSecret\": \"" + clientSecret + "\", \"defaultClientVersion\": \"1.0.0\"}").status())
			.isEqualTo(201);
		String station = newKey("STATION");
		secrets.add(station);
		secrets.add(Api.BOOTSTRAP_KEY);

		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, "\"urlPairing\": true");
		String id = started.path("id").asString();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");

		List<String> deviceCodes = pollsOf(deviceId).stream().map((poll) -> poll.deviceCode()).distinct().toList();
		assertThat(deviceCodes).hasSize(1);
		secrets.addAll(deviceCodes);
		Map<String, Object> device = this.jdbc.sql("select access_token_enc, refresh_token_enc from device where device_id = ?")
			.param(deviceId)
			.query()
			.singleRow();
		secrets.add(this.box.open((String) device.get("access_token_enc"), "device", "access_token", deviceId).reveal());
		secrets.add(this.box.open((String) device.get("refresh_token_enc"), "device", "refresh_token", deviceId).reveal());
		secrets.add((String) device.get("access_token_enc"));
		secrets.add((String) device.get("refresh_token_enc"));

		// Failures take other paths through the code: a secret Frame.io refuses, a rotated one, a wrong key.
		String refused = "invalid-" + UUID.randomUUID();
		secrets.add(refused);
		String refusedModel = "m-" + UUID.randomUUID().toString().substring(0, 8);
		admin().put("/api/v1/device-models/" + refusedModel, "{\"clientSecret\": \"" + refused + "\"}");
		assertThat(this.api.as(station)
			.post("/api/v1/pairings", "{\"deviceId\": \"" + newDeviceId() + "\", \"model\": \"" + refusedModel + "\"}")
			.status()).isEqualTo(502);
		String rotated = "rotated-" + UUID.randomUUID();
		secrets.add(rotated);
		assertThat(admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"" + rotated + "\"}").status())
			.isEqualTo(200);
		assertThat(this.api.as("wrong-" + station).get("/api/v1/pairings").status()).isEqualTo(401);
		secrets.add("wrong-" + station);

		String printed = output.getAll();
		assertThat(printed).as("the flow was logged at all").contains("Pairing " + id);
		assertThat(printed).as("DEBUG was on").contains("DEBUG");
		assertThat(secrets).allSatisfy((secret) -> assertThat(printed).doesNotContain(secret));
	}

	/**
	 * Spring's own DEBUG lines quote the token a JSON parser choked on, so this one runs with the
	 * framework at its configured level; the README says to keep {@code org.springframework.web}
	 * below DEBUG in production.
	 */
	@Test
	void aMalformedBodyIsNotEchoedIntoTheLog(CapturedOutput output) {
		debug(List.of("io.c2cgateway"));
		String model = newModel();
		String broken = "broken" + UUID.randomUUID().toString().replace("-", "");
		assertThat(admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": " + broken + "}").status())
			.isEqualTo(400);
		assertThat(this.api.as(newKey("STATION"))
			.post("/api/v1/pairings", "{\"deviceId\": \"" + broken + "\", \"model\": " + broken + "}")
			.status()).isEqualTo(400);
		assertThat(output.getAll()).doesNotContain(broken);
	}

	/**
	 * A live user code is as good as the device: whoever reads it can type it into a Frame.io project
	 * of their own and capture the device. Neither the log nor the audit trail may hold one, also
	 * not the fresh code of a renewal.
	 */
	@Test
	void userCodesReachNeitherTheLogNorTheAuditTrail(CapturedOutput output) {
		debug(List.of("io.c2cgateway"));
		String deviceId = newDeviceId();
		JsonNode started = startPairing(newKey("STATION"), deviceId, newModel(), null);
		String id = started.path("id").asString();
		String first = started.path("userCode").asString();
		advanceAndPoll(Duration.ofSeconds(121));
		String renewed = pairing(id).path("userCode").asString();
		assertThat(renewed).as("the code was renewed").isNotEqualTo(first);
		assertThat(this.simulator.approve(renewed)).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");

		String printed = output.getAll();
		assertThat(printed).as("the flow was logged at all").contains("Pairing " + id);
		List<String> details = this.jdbc.sql("select coalesce(detail, '') from audit_event where subject_id = ?")
			.param(id)
			.query(String.class)
			.list();
		assertThat(details).as("created, renewed, authorized").hasSizeGreaterThanOrEqualTo(3);
		for (String code : List.of(first, renewed)) {
			String alone = "(?s).*(?<![0-9A-Za-z])" + code + "(?![0-9A-Za-z]).*";
			assertThat(printed).doesNotMatch(alone);
			assertThat(details).allSatisfy((detail) -> assertThat(detail).doesNotMatch(alone));
		}
	}

}
