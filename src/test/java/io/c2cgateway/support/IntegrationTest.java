package io.c2cgateway.support;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.c2cgateway.polling.PollEngine;
import io.c2cgateway.sandbox.FrameioSimulator;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of full-stack tests: the running gateway, its Frame.io simulator, its poll engine (driven
 * by hand: {@code gateway.polling.enabled=false} in tests) and the movable clock. All subclasses
 * share one Spring context.
 */
@GatewayTest
public abstract class IntegrationTest {

	@LocalServerPort
	protected int port;

	@Autowired
	protected FrameioSimulator simulator;

	@Autowired
	protected PollEngine engine;

	@Autowired
	protected MutableClock clock;

	@Autowired
	protected JdbcClient jdbc;

	protected Api api;

	@BeforeEach
	void baseSetUp() {
		this.api = Api.at(this.port);
	}

	protected Api admin() {
		return this.api.asAdmin();
	}

	/** A new device model with a valid sandbox secret; returns its name. */
	protected String newModel() {
		String model = "m-" + UUID.randomUUID().toString().substring(0, 8);
		Api.Response response = admin().put("/api/v1/device-models/" + model,
				"{\"clientSecret\": \"secret-of-" + model + "\", \"defaultClientVersion\": \"1.0.0\"}");
		assertThat(response.status()).isEqualTo(201);
		return model;
	}

	/** A new key of the given role; returns the plaintext key. */
	protected String newKey(String role) {
		Api.Response response = admin().post("/api/v1/api-keys",
				"{\"name\": \"key-" + UUID.randomUUID().toString().substring(0, 8) + "\", \"role\": \"" + role + "\"}");
		assertThat(response.status()).isEqualTo(201);
		return response.json().path("key").asString();
	}

	protected static String newDeviceId() {
		return "SN-" + UUID.randomUUID().toString().substring(0, 13);
	}

	/** Starts a pairing as {@code key} and returns the 201 body. */
	protected JsonNode startPairing(String key, String deviceId, String model, String extraJson) {
		String body = "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\""
				+ ((extraJson != null) ? ", " + extraJson : "") + "}";
		Api.Response response = this.api.as(key).post("/api/v1/pairings", body);
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		return response.json();
	}

	protected JsonNode pairing(String id) {
		return admin().get("/api/v1/pairings/" + id).json();
	}

	/** Moves domain time on and lets the engine do one full round. */
	protected void advanceAndPoll(Duration duration) {
		this.clock.advance(duration);
		this.engine.runOnce();
	}

	/** Polls the simulator received for one device, oldest first. */
	protected java.util.List<FrameioSimulator.Request> pollsOf(String deviceId) {
		return this.simulator.requests()
			.stream()
			.filter((request) -> "token_poll".equals(request.endpoint()) && deviceId.equals(request.clientId()))
			.toList();
	}

}
