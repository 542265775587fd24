package io.c2cgateway.crypto;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class KeyRotationTests extends IntegrationTest {

	/** The test profile's second key: it decrypts but no longer encrypts. */
	private static final String OLD_KEY = "old0:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA=";

	@Autowired
	private KeyRotation rotation;

	@Autowired
	private SecretBox box;

	@Autowired
	private TransactionTemplate tx;

	@Autowired
	private SealedRowsGauge sealedRows;

	@Autowired
	private MeterRegistry meters;

	@Test
	void secretsSealedWithAnOlderKeyAreResealedWithTheActiveOneAndStillWork() {
		String model = newModel();
		SecretBox oldBox = new SecretBox(new CryptoProperties(OLD_KEY));
		this.jdbc.sql("update device_model set client_secret_enc = ? where model = ?")
			.params(oldBox.seal(Secret.of("secret-of-" + model), "device_model", "client_secret", model), model)
			.update();
		JsonNode pairing = startPairing(newKey("STATION"), newDeviceId(), model, null);
		this.simulator.approve(pairing.path("userCode").asString());
		this.jdbc.sql("update pairing set device_code_enc = ? where id = ?::uuid")
			.params(oldBox.seal(this.box.open(deviceCodeOf(pairing), "pairing", "device_code", pairing.path("id").asString()),
					"pairing", "device_code", pairing.path("id").asString()), pairing.path("id").asString())
			.update();

		assertThat(this.rotation.runOnce()).isGreaterThanOrEqualTo(2);

		String secret = this.jdbc.sql("select client_secret_enc from device_model where model = ?").param(model)
			.query(String.class).single();
		assertThat(secret).startsWith("v1.test1.");
		assertThat(deviceCodeOf(pairing)).startsWith("v1.test1.");
		assertThat(this.rotation.runOnce()).isZero();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(pairing.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");
	}

	@Test
	void anActiveKeyIdWithAnUnderscoreIsNotReadAsAWildcard() {
		// 'k_1' as a LIKE pattern matches 'kx1': the old code took kx1's rows for the active key's.
		SecretBox rotated = new SecretBox(new CryptoProperties(
				"k_1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,kx1:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA="));
		SecretBox old = new SecretBox(new CryptoProperties("kx1:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA="));
		String table = "rotation_probe_" + java.util.UUID.randomUUID().toString().substring(0, 8);
		this.jdbc.sql("create table " + table + " (id text primary key, secret_enc text)").update();
		try {
			this.jdbc.sql("insert into " + table + " values ('r1', ?)")
				.param(old.seal(Secret.of("s3cret"), table, "secret", "r1"))
				.update();
			KeyRotation rotation = new KeyRotation(rotated, java.util.List.of(new SealedColumn(table, "secret_enc", "id", "secret")),
					this.jdbc, this.tx);
			assertThat(rotation.runOnce()).isEqualTo(1);
			String stored = this.jdbc.sql("select secret_enc from " + table).query(String.class).single();
			assertThat(stored).startsWith("v1.k_1.");
			assertThat(rotated.open(stored, table, "secret", "r1").reveal()).isEqualTo("s3cret");
			assertThat(rotation.runOnce()).isZero();
		}
		finally {
			this.jdbc.sql("drop table " + table).update();
		}
	}

	@Test
	void aRowThatWillNotOpenIsSkippedAndTheRowsAfterItAndLaterColumnsAreStillResealed() {
		SecretBox rotated = new SecretBox(new CryptoProperties(
				"k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,k1:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA="));
		SecretBox old = new SecretBox(new CryptoProperties("k1:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA="));
		SecretBox unknown = new SecretBox(new CryptoProperties("gone:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="));
		String first = "rotation_probe_" + java.util.UUID.randomUUID().toString().substring(0, 8);
		String second = "rotation_probe_" + java.util.UUID.randomUUID().toString().substring(0, 8);
		this.jdbc.sql("create table " + first + " (id text primary key, secret_enc text)").update();
		this.jdbc.sql("create table " + second + " (id uuid primary key, secret_enc text)").update();
		try {
			for (String id : java.util.List.of("r1", "r2", "r3", "r4", "r5")) {
				String sealed = switch (id) {
					// sealed under a key no ring lists
					case "r2" -> unknown.seal(Secret.of("s3cret-" + id), first, "secret", id);
					// a known key, but bound to another row: does not decrypt here
					case "r3" -> old.seal(Secret.of("s3cret-" + id), first, "secret", "elsewhere");
					default -> old.seal(Secret.of("s3cret-" + id), first, "secret", id);
				};
				this.jdbc.sql("insert into " + first + " values (?, ?)").params(id, sealed).update();
			}
			java.util.UUID uuid = java.util.UUID.randomUUID();
			this.jdbc.sql("insert into " + second + " values (?, ?)")
				.params(uuid, old.seal(Secret.of("other"), second, "secret", uuid))
				.update();
			// Batches of two, so the poisoned rows fill a whole batch and must not be read again and again.
			KeyRotation rotation = new KeyRotation(rotated, java.util.List.of(new SealedColumn(first, "secret_enc", "id", "secret"),
					new SealedColumn(second, "secret_enc", "id", "secret")), this.jdbc, this.tx, 2);

			assertThat(rotation.runOnce()).isEqualTo(4);

			for (String id : java.util.List.of("r1", "r4", "r5")) {
				String stored = this.jdbc.sql("select secret_enc from " + first + " where id = ?").param(id)
					.query(String.class).single();
				assertThat(stored).startsWith("v1.k2.");
				assertThat(rotated.open(stored, first, "secret", id).reveal()).isEqualTo("s3cret-" + id);
			}
			assertThat(this.jdbc.sql("select secret_enc from " + first + " where id in ('r2', 'r3')").query(String.class).list())
				.noneMatch((stored) -> stored.startsWith("v1.k2."));
			String other = this.jdbc.sql("select secret_enc from " + second).query(String.class).single();
			assertThat(rotated.open(other, second, "secret", uuid).reveal()).isEqualTo("other");
			assertThat(rotation.runOnce()).isZero();
		}
		finally {
			this.jdbc.sql("drop table " + first).update();
			this.jdbc.sql("drop table " + second).update();
		}
	}

	@Test
	void theSealedRowsGaugeCountsRowsPerKeyIdSoAnOldKeyCanBeRemovedAtZero() {
		this.sealedRows.refresh();
		double oldBefore = sealedRows("old0");
		double activeBefore = sealedRows("test1");
		String model = newModel();
		SecretBox oldBox = new SecretBox(new CryptoProperties(OLD_KEY));
		this.jdbc.sql("update device_model set client_secret_enc = ? where model = ?")
			.params(oldBox.seal(Secret.of("secret-of-" + model), "device_model", "client_secret", model), model)
			.update();
		// Counted on the timer, not per scrape: nothing changes before the next refresh.
		assertThat(sealedRows("old0")).isEqualTo(oldBefore);

		this.sealedRows.refresh();
		assertThat(sealedRows("old0")).isEqualTo(oldBefore + 1);

		this.rotation.runOnce();
		this.sealedRows.refresh();
		assertThat(sealedRows("old0")).isZero();
		assertThat(sealedRows("test1")).isGreaterThanOrEqualTo(activeBefore + 1);
	}

	private double sealedRows(String keyId) {
		return this.meters.get(SealedRowsGauge.NAME).tag("key_id", keyId).gauge().value();
	}

	@Test
	void userCodesStoredInPlaintextBeforeTheyWereSealedAreReadAndThenSealedByRotation() {
		JsonNode started = startPairing(newKey("STATION"), newDeviceId(), newModel(), "\"urlPairing\": true");
		String id = started.path("id").asString();
		String userCode = started.path("userCode").asString();
		String complete = started.path("verificationUriComplete").asString();
		assertThat(complete).endsWith(userCode);
		assertThat(codesOf(id)).allSatisfy((stored) -> assertThat(stored).startsWith("v1.test1."));
		// As a row written before the columns were sealed holds them.
		this.jdbc.sql("update pairing set user_code = ?, verification_uri_complete = ? where id = ?::uuid")
			.params(userCode, complete, id)
			.update();
		assertThat(pairing(id).path("userCode").asString()).isEqualTo(userCode);
		assertThat(pairing(id).path("verificationUriComplete").asString()).isEqualTo(complete);

		assertThat(this.rotation.runOnce()).isGreaterThanOrEqualTo(2);

		assertThat(codesOf(id)).allSatisfy((stored) -> assertThat(stored).startsWith("v1.test1.").doesNotContain(userCode));
		assertThat(this.box.open(codesOf(id).get(0), "pairing", "user_code", id).reveal()).isEqualTo(userCode);
		assertThat(pairing(id).path("userCode").asString()).isEqualTo(userCode);
		assertThat(pairing(id).path("verificationUriComplete").asString()).isEqualTo(complete);
		assertThat(this.simulator.approve(userCode)).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");
	}

	private java.util.List<String> codesOf(String pairingId) {
		return this.jdbc.sql("select user_code, verification_uri_complete from pairing where id = ?::uuid")
			.param(pairingId)
			.query((rs, n) -> java.util.List.of(rs.getString(1), rs.getString(2)))
			.single();
	}

	private String deviceCodeOf(JsonNode pairing) {
		return this.jdbc.sql("select device_code_enc from pairing where id = ?::uuid")
			.param(pairing.path("id").asString())
			.query(String.class)
			.single();
	}

}
