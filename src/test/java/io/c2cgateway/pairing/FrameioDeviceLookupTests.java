package io.c2cgateway.pairing;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.sandbox.FrameioSimulator;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.EventStream;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After authorization the gateway asks Frame.io ({@code GET /v2/devices/me}) where the device
 * landed and shows it as the pairing's {@code frameioDevice}, without a new version.
 */
@ExtendWith(OutputCaptureExtension.class)
class FrameioDeviceLookupTests extends IntegrationTest {

	@Autowired
	private FrameioDeviceLookups lookups;

	@Autowired
	private SecretBox box;

	@Test
	void authorizedPairingShowsTheFrameioDeviceOnceTheLookupRanWithoutANewVersion() {
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		String id = authorize(station, deviceId);
		JsonNode authorized = pairing(id);
		assertThat(authorized.has("frameioDevice")).isTrue();
		assertThat(authorized.path("frameioDevice").isNull()).as("null until Frame.io answered").isTrue();

		this.lookups.runOnce();

		JsonNode landed = this.api.as(station).get("/api/v1/pairings/" + id).json();
		JsonNode device = landed.path("frameioDevice");
		assertThat(device.propertyNames()).containsExactly("id", "name", "projectId", "projectName");
		assertThat(device.path("id").asString()).isNotBlank();
		assertThat(device.path("name").asString()).isEqualTo("Sandbox " + deviceId);
		assertThat(device.path("projectId").asString()).isNotBlank();
		assertThat(device.path("projectName").asString()).isEqualTo("Sandbox Project");
		assertThat(landed.path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(landed.path("version").asLong()).as("filling it in is no change of the pairing").isEqualTo(2);
		assertThat(landed.path("updatedAt").asString()).isEqualTo(authorized.path("updatedAt").asString());

		List<FrameioSimulator.Request> calls = devicesMeCalls(deviceId);
		assertThat(calls).hasSize(1);
		assertThat(calls.get(0).clientVersion()).isEqualTo("2.1.0");
		assertThat(calls.get(0).faulted()).isFalse();

		JsonNode listed = this.api.as(station).get("/api/v1/pairings?deviceId=" + deviceId).json().path("items").get(0);
		assertThat(listed.path("frameioDevice")).isEqualTo(device);
		try (EventStream stream = EventStream.open(this.port, station, "/api/v1/pairings/" + id + "/events")) {
			EventStream.Event current = stream.next(Duration.ofSeconds(10));
			assertThat(current.id()).isEqualTo("2");
			assertThat(current.json().path("frameioDevice")).isEqualTo(device);
		}

		this.clock.advance(Duration.ofHours(1));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).as("done: not asked again").hasSize(1);
	}

	@Test
	void lookupWhenFrameioFailsThenPairingStaysAuthorizedAndItIsRetriedWithGrowingGaps() {
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		this.simulator.inject(new Fault("devices_me", deviceId, 503, Map.of("message", "down"), null, null, 3));
		String id = authorize(station, deviceId);

		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).hasSize(1);
		JsonNode failed = pairing(id);
		assertThat(failed.path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(failed.path("frameioDevice").isNull()).isTrue();
		assertThat(failed.path("version").asLong()).isEqualTo(2);

		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).as("not before the backoff").hasSize(1);
		this.clock.advance(Duration.ofSeconds(2));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).as("2 s after the first failure").hasSize(2);

		this.clock.advance(Duration.ofSeconds(3));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).as("the gap doubled to 4 s").hasSize(2);
		this.clock.advance(Duration.ofSeconds(1));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).hasSize(3);

		this.clock.advance(Duration.ofSeconds(7));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).as("the gap doubled to 8 s").hasSize(3);
		this.clock.advance(Duration.ofSeconds(1));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).hasSize(4);

		JsonNode landed = pairing(id);
		assertThat(landed.path("frameioDevice").path("projectName").asString()).isEqualTo("Sandbox Project");
		assertThat(landed.path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(landed.path("version").asLong()).isEqualTo(2);
		assertThat(devicesMeCalls(deviceId)).extracting(FrameioSimulator.Request::faulted)
			.containsExactly(true, true, true, false);
	}

	@Test
	void lookupWhenFrameioKeepsFailingThenItTriesForAtLeastTenMinutesAndGivesUpOnceWithAnAuditEvent() {
		String deviceId = newDeviceId();
		this.simulator.inject(new Fault("devices_me", deviceId, 503, Map.of("message", "down"), null, null, 1000));
		String id = authorize(newKey("STATION"), deviceId);

		this.lookups.runOnce();
		for (int minute = 0; minute < 40; minute++) {
			this.clock.advance(Duration.ofMinutes(1));
			this.lookups.runOnce();
			if (minute == 10) {
				assertThat(givingUp(id)).as("still trying after 10 minutes").isZero();
			}
		}
		List<FrameioSimulator.Request> calls = devicesMeCalls(deviceId);
		assertThat(Duration.between(calls.get(0).at(), calls.get(calls.size() - 1).at()))
			.isGreaterThanOrEqualTo(Duration.ofMinutes(10));
		assertThat(givingUp(id)).isEqualTo(1);

		this.clock.advance(Duration.ofHours(1));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).as("given up: not asked again").hasSize(calls.size());
		assertThat(givingUp(id)).isEqualTo(1);
		JsonNode pairing = pairing(id);
		assertThat(pairing.path("status").asString()).isEqualTo("AUTHORIZED");
		assertThat(pairing.path("frameioDevice").isNull()).isTrue();
		assertThat(pairing.path("version").asLong()).isEqualTo(2);
	}

	@Test
	void lookupWhenTheDeviceWasPairedAgainMeanwhileThenTheOldPairingGivesUpQuietly() {
		String station = newKey("STATION");
		String deviceId = newDeviceId();
		String model = newModel();
		String first = authorize(station, deviceId, model);
		String second = authorize(station, deviceId, model);

		this.lookups.runOnce();

		assertThat(devicesMeCalls(deviceId)).as("only for the pairing whose tokens the device holds").hasSize(1);
		assertThat(pairing(first).path("frameioDevice").isNull()).isTrue();
		assertThat(pairing(second).path("frameioDevice").path("projectName").asString()).isEqualTo("Sandbox Project");
		assertThat(givingUp(first)).isZero();
		this.clock.advance(Duration.ofHours(1));
		this.lookups.runOnce();
		assertThat(devicesMeCalls(deviceId)).hasSize(1);
	}

	@Test
	void lookupAtDebugLogsNeitherTheAccessTokenNorItsSealedForm(CapturedOutput output) {
		LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
		List<String> loud = List.of("io.c2cgateway", "org.springframework.web", "org.springframework.jdbc");
		Map<String, LogLevel> levels = new LinkedHashMap<>();
		for (String name : loud) {
			LoggerConfiguration configuration = logging.getLoggerConfiguration(name);
			levels.put(name, (configuration != null) ? configuration.getConfiguredLevel() : null);
			logging.setLogLevel(name, LogLevel.DEBUG);
		}
		try {
			String deviceId = newDeviceId();
			this.simulator.inject(new Fault("devices_me", deviceId, 401, Map.of("message", "Not Authorized"), null, null, 1));
			String id = authorize(newKey("STATION"), deviceId);
			this.lookups.runOnce();
			this.clock.advance(Duration.ofSeconds(2));
			this.lookups.runOnce();
			assertThat(pairing(id).path("frameioDevice").isNull()).isFalse();
			String sealed = this.jdbc.sql("select access_token_enc from device where device_id = ?")
				.param(deviceId)
				.query(String.class)
				.single();
			String token = this.box.open(sealed, "device", "access_token", deviceId).reveal();
			String printed = output.getAll();
			assertThat(printed).as("the lookup was logged at all").contains("Pairing " + id);
			assertThat(printed).doesNotContain(token).doesNotContain(sealed);
		}
		finally {
			levels.forEach(logging::setLogLevel);
		}
	}

	@Test
	void simulatedDevicesMeAnswersLikeFrameioForAValidAndAnUnknownAccessToken() {
		String deviceId = newDeviceId();
		authorize(newKey("STATION"), deviceId);
		String token = this.box.open(this.jdbc.sql("select access_token_enc from device where device_id = ?")
			.param(deviceId)
			.query(String.class)
			.single(), "device", "access_token", deviceId).reveal();

		Api.Response valid = this.api.as(token).get("/v2/devices/me");
		assertThat(valid.status()).isEqualTo(200);
		assertThat(valid.json().path("_type").asString()).isEqualTo("project_device");
		assertThat(valid.json().path("project").path("id").asString()).isEqualTo(valid.json().path("project_id").asString());

		Api.Response unknown = this.api.as("not-a-token-frameio-issued").get("/v2/devices/me");
		assertThat(unknown.status()).isEqualTo(401);
		assertThat(unknown.json().path("code").asInt()).isEqualTo(401);
		assertThat(unknown.json().path("message").asString()).isEqualTo("Not Authorized");
		assertThat(unknown.json().path("errors").get(0).path("title").asString()).isEqualTo("Not Authorized");
	}

	@Test
	void openApiDocumentDescribesFrameioDeviceOfThePairing() {
		JsonNode schemas = this.api.get("/v3/api-docs").json().path("components").path("schemas");
		assertThat(schemas.path("Pairing").path("properties").has("frameioDevice")).isTrue();
		assertThat(schemas.path("FrameioDeviceView").path("properties").propertyNames())
			.containsExactlyInAnyOrder("id", "name", "projectId", "projectName");
	}

	private String authorize(String station, String deviceId) {
		return authorize(station, deviceId, newModel());
	}

	private String authorize(String station, String deviceId, String model) {
		JsonNode started = startPairing(station, deviceId, model, "\"clientVersion\": \"2.1.0\"");
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		String id = started.path("id").asString();
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");
		return id;
	}

	private List<FrameioSimulator.Request> devicesMeCalls(String deviceId) {
		return this.simulator.requests()
			.stream()
			.filter((request) -> "devices_me".equals(request.endpoint()) && deviceId.equals(request.clientId()))
			.toList();
	}

	private long givingUp(String pairingId) {
		return this.jdbc.sql("select count(*) from audit_event where subject_id = ? and action = ?")
			.params(pairingId, "pairing.frameio_device_unavailable")
			.query(Long.class)
			.single();
	}

}
