package io.c2cgateway.device;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

import org.springframework.beans.factory.annotation.Autowired;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Full-stack custody tests: paired devices on the shared context, and ways to look behind the API. */
abstract class CustodyTest extends IntegrationTest {

	@Autowired
	protected SecretBox box;

	@Autowired
	protected TokenProperties tokenProperties;

	@Autowired
	protected UnstoredRefreshes unstored;

	/** A device paired through the API: pairing started by a station, approved in Frame.io, polled. */
	record Paired(String deviceId, String pairingId, String model, String station) {
	}

	protected Paired pair() {
		return pair(newModel(), newKey("STATION"), newDeviceId());
	}

	protected Paired pair(String model, String station, String deviceId) {
		JsonNode started = startPairing(station, deviceId, model, "\"clientVersion\": \"2.1.0\"");
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		String pairingId = started.path("id").asString();
		assertThat(pairing(pairingId).path("status").asString()).isEqualTo("AUTHORIZED");
		return new Paired(deviceId, pairingId, model, station);
	}

	/** The device key of the pairing, as its station fetches it. */
	protected String deviceKey(Paired paired) {
		Api.Response response = this.api.as(paired.station())
			.post("/api/v1/pairings/" + paired.pairingId() + "/device-key", null);
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		return response.json().path("deviceKey").asString();
	}

	protected Api.Response accessToken(String key, String deviceId) {
		return this.api.as(key).post("/api/v1/devices/" + deviceId + "/access-token", null);
	}

	protected JsonNode device(String deviceId) {
		Api.Response response = admin().get("/api/v1/devices/" + deviceId);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return response.json();
	}

	protected long refreshes(String deviceId) {
		return this.simulator.requestCount("token_refresh", deviceId);
	}

	protected String state(String deviceId) {
		return this.jdbc.sql("select state from device where device_id = ?").param(deviceId).query(String.class).single();
	}

	/** A token as stored, decrypted; {@code column} is access_token or refresh_token. */
	protected Secret stored(String deviceId, String column) {
		String sealed = this.jdbc.sql("select " + column + "_enc from device where device_id = ?")
			.param(deviceId)
			.query(String.class)
			.single();
		return this.box.open(sealed, "device", column, deviceId);
	}

	protected Instant accessExpiresAt(String deviceId) {
		return this.jdbc.sql("select access_token_expires_at from device where device_id = ?")
			.param(deviceId)
			.query(java.time.OffsetDateTime.class)
			.single()
			.toInstant();
	}

	/** Moves domain time to where the stored access token has {@code left} of its life. */
	protected void moveToRemainingLife(String deviceId, Duration left) {
		Duration by = Duration.between(this.clock.instant(), accessExpiresAt(deviceId).minus(left));
		assertThat(by.isNegative()).as("time only moves on").isFalse();
		this.clock.advance(by);
	}

	/** Moves domain time to just below min-validity, where the next access-token call must refresh. */
	protected void moveBelowMinValidity(String deviceId) {
		moveToRemainingLife(deviceId, this.tokenProperties.minValidity().minusMillis(1));
	}

	protected long auditCount(String deviceId, String action) {
		return this.jdbc.sql("select count(*) from audit_event where subject_id = ? and action = ?")
			.params(deviceId, action)
			.query(Long.class)
			.single();
	}

	protected String auditDetail(String deviceId, String action) {
		return this.jdbc.sql("select detail from audit_event where subject_id = ? and action = ? order by id desc limit 1")
			.params(deviceId, action)
			.query(String.class)
			.single();
	}

	/** Waits for a condition another thread brings about; fails after the deadline. */
	protected static void await(String what, Duration deadline, BooleanSupplier condition) {
		long until = System.nanoTime() + deadline.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > until) {
				throw new AssertionError("Timed out waiting for " + what);
			}
			Thread.onSpinWait();
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new AssertionError(ex);
			}
		}
	}

}
