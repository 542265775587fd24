package io.c2cgateway.system;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What a stolen database dump gives away: after pairing (with a code renewal), a device key, a
 * refresh and a revocation, no table holds any secret of that flow in plaintext, and a ciphertext
 * moved to another row or column is useless there.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretHygieneTests extends IntegrationTest {

	/** Timestamps carry six-digit fractions that a six-digit user code could match by chance. */
	private static final Pattern TIMESTAMP = Pattern.compile("\"\\d{4}-\\d{2}-\\d{2}T[0-9:.+\\-Z]+\"");

	@Autowired
	private SecretBox box;

	@Test
	void aDumpAfterAFullFlowHoldsNoPlaintextSecret() {
		Set<String> secrets = new LinkedHashSet<>();
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
		List<String> userCodes = new ArrayList<>(List.of(started.path("userCode").asString()));
		secrets.add(started.path("verificationUriComplete").asString());
		advanceAndPoll(Duration.ofSeconds(5));
		advanceAndPoll(Duration.ofSeconds(116));
		JsonNode renewed = pairing(id);
		assertThat(renewed.path("codesIssued").asInt()).as("the code was renewed").isEqualTo(2);
		userCodes.add(renewed.path("userCode").asString());
		secrets.add(renewed.path("verificationUriComplete").asString());
		assertThat(secrets).allSatisfy((secret) -> assertThat(secret).isNotBlank());
		assertThat(dumpLeaks(secrets, userCodes)).as("a live pairing in the dump").isEmpty();

		assertThat(this.simulator.approve(userCodes.get(1))).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");
		List<String> deviceCodes = pollsOf(deviceId).stream().map((poll) -> poll.deviceCode()).distinct().toList();
		assertThat(deviceCodes).as("one device code per issued user code").hasSize(2);
		secrets.addAll(deviceCodes);

		Api.Response issued = this.api.as(station).post("/api/v1/pairings/" + id + "/device-key", null);
		assertThat(issued.status()).as(issued.body()).isEqualTo(201);
		String deviceKey = issued.json().path("deviceKey").asString();
		secrets.add(deviceKey);
		secrets.add(stored(deviceId, "access_token"));
		secrets.add(stored(deviceId, "refresh_token"));
		Api.Response first = this.api.as(deviceKey).post("/api/v1/devices/" + deviceId + "/access-token", null);
		assertThat(first.status()).as(first.body()).isEqualTo(200);
		secrets.add(first.json().path("accessToken").asString());

		// Just before the stored token's end: below min-validity and below half of any life, so one refresh.
		this.clock.advance(Duration.between(this.clock.instant(), accessExpiresAt(deviceId).minusSeconds(1)));
		Api.Response refreshed = this.api.as(deviceKey).post("/api/v1/devices/" + deviceId + "/access-token", null);
		assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
		assertThat(this.simulator.requestCount("token_refresh", deviceId)).isEqualTo(1);
		String secondAccess = refreshed.json().path("accessToken").asString();
		assertThat(secondAccess).isNotEqualTo(first.json().path("accessToken").asString());
		secrets.add(secondAccess);
		secrets.add(stored(deviceId, "refresh_token"));

		Api.Response revoked = admin().post("/api/v1/devices/" + deviceId + "/revoke", null);
		assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
		assertThat(revoked.json().path("upstreamRevocation").asString()).isEqualTo("DONE");
		assertThat(this.simulator.accessTokenValid(secondAccess)).isFalse();

		assertThat(secrets).as("two codes' URLs, client secret, keys, device codes, two generations of tokens")
			.hasSizeGreaterThanOrEqualTo(12);
		assertThat(dumpLeaks(secrets, userCodes)).isEmpty();
	}

	@Test
	void aTokenCiphertextCopiedToAnotherColumnOrDeviceDoesNotDecryptAndTheDeviceGetsAClearError(
			CapturedOutput output) {
		String model = newModel();
		String station = newKey("STATION");
		String moved = newDeviceId();
		String movedKey = deviceKey(station, moved, model);
		String refresh = sealed(moved, "refresh_token");

		// Into the access-token column of its own row: the stored access token is fresh and would be handed out.
		this.jdbc.sql("update device set access_token_enc = ? where device_id = ?").params(refresh, moved).update();
		assertThatExceptionOfType(SecretBox.CryptoException.class)
			.isThrownBy(() -> this.box.open(refresh, "device", "access_token", moved));
		Api.Response swapped = this.api.as(movedKey).post("/api/v1/devices/" + moved + "/access-token", null);
		assertThat(swapped.status()).as(swapped.body()).isEqualTo(409);
		assertThat(swapped.code()).isEqualTo("device_tokens_unreadable");
		assertThat(swapped.body()).doesNotContain("accessToken");

		// Into another device's row: its refresh needs the refresh token, which no longer opens.
		String target = newDeviceId();
		String targetKey = deviceKey(station, target, model);
		this.jdbc.sql("update device set refresh_token_enc = ? where device_id = ?").params(refresh, target).update();
		assertThatExceptionOfType(SecretBox.CryptoException.class)
			.isThrownBy(() -> this.box.open(refresh, "device", "refresh_token", target));
		this.clock.advance(Duration.between(this.clock.instant(), accessExpiresAt(target).minusSeconds(1)));
		Api.Response refreshed = this.api.as(targetKey).post("/api/v1/devices/" + target + "/access-token", null);
		assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(409);
		assertThat(refreshed.code()).isEqualTo("device_tokens_unreadable");
		assertThat(this.simulator.requestCount("token_refresh", target)).as("nothing was sent upstream").isZero();
		assertThat(admin().get("/api/v1/devices/" + target).json().path("state").asString())
			.as("a lost or restored key is the operator's to fix; the device is not given up")
			.isEqualTo("PAIRED");

		String printed = output.getAll();
		assertThat(printed).contains("Device " + moved + ": the stored access_token cannot be decrypted");
		assertThat(printed).contains("Device " + target + ": the stored refresh_token cannot be decrypted");
		assertThat(printed).doesNotContain(refresh);
		assertThat(printed).doesNotContain(this.box.open(refresh, "device", "refresh_token", moved).reveal());
	}

	/**
	 * Every row of every table in schema public (the Flyway history included), as JSON, against the
	 * secrets: long ones must not occur at all, user codes not as a number of their own.
	 */
	private List<String> dumpLeaks(Set<String> secrets, List<String> userCodes) {
		List<String> tables = this.jdbc
			.sql("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'")
			.query(String.class)
			.list();
		assertThat(tables).contains("pairing", "device", "device_revocation", "device_model", "api_key", "audit_event",
				"flyway_schema_history");
		List<Pattern> codes = userCodes.stream()
			.map((code) -> Pattern.compile("(?<![0-9A-Za-z])" + Pattern.quote(code) + "(?![0-9A-Za-z])"))
			.toList();
		List<String> leaks = new ArrayList<>();
		for (String table : tables) {
			List<String> rows = this.jdbc.sql("select row_to_json(t)::text from \"" + table + "\" t")
				.query(String.class)
				.list();
			for (String row : rows) {
				for (String secret : secrets) {
					if (row.contains(secret)) {
						leaks.add(table + " holds a secret of " + secret.length() + " characters");
					}
				}
				String withoutTimes = TIMESTAMP.matcher(row).replaceAll("\"\"");
				for (Pattern code : codes) {
					if (code.matcher(withoutTimes).find()) {
						leaks.add(table + " holds a user code");
					}
				}
			}
		}
		return leaks;
	}

	private String deviceKey(String station, String deviceId, String model) {
		JsonNode started = startPairing(station, deviceId, model, null);
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		String pairingId = started.path("id").asString();
		assertThat(pairing(pairingId).path("status").asString()).isEqualTo("AUTHORIZED");
		Api.Response response = this.api.as(station).post("/api/v1/pairings/" + pairingId + "/device-key", null);
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		return response.json().path("deviceKey").asString();
	}

	private String sealed(String deviceId, String column) {
		return this.jdbc.sql("select " + column + "_enc from device where device_id = ?")
			.param(deviceId)
			.query(String.class)
			.single();
	}

	private String stored(String deviceId, String column) {
		return this.box.open(sealed(deviceId, column), "device", column, deviceId).reveal();
	}

	private Instant accessExpiresAt(String deviceId) {
		return this.jdbc.sql("select access_token_expires_at from device where device_id = ?")
			.param(deviceId)
			.query(OffsetDateTime.class)
			.single()
			.toInstant();
	}

}
