package io.c2cgateway.crypto;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;

import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.SecondReplica;
import io.c2cgateway.system.InvalidConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A replica refuses to start when a key id that stored secrets use is missing from its
 * {@code GATEWAY_CRYPTO_KEYS}: say, an old key removed before rotation had moved every row.
 */
@ExtendWith(OutputCaptureExtension.class)
class KeysInUseTests extends IntegrationTest {

	/** The test profile's keys, as {@code application-test.yml} lists them. */
	private static final String TEST_RING = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,"
			+ "old0:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA=";

	private static final String OLD_MATERIAL = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

	private static final String OTHER_MATERIAL = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";

	@Autowired
	private SecretBox box;

	@Autowired
	private List<SealedColumn> columns;

	@Test
	void replicaWhoseRingLacksAKeyIdInUseRefusesToStartWithOneLineNamingItAndOneWithItStarts(CapturedOutput output) {
		String model = modelSealedWith("old:" + OLD_MATERIAL);
		try {
			String expected = "GATEWAY_CRYPTO_KEYS lacks the key id 'old' that stored secrets are sealed with "
					+ "(device_model.client_secret_enc): put that key back after the active key, as a secondary key, "
					+ "until key rotation has re-sealed every row with the active key";
			assertThatThrownBy(() -> SecondReplica.start(replicaName(), Map.of("gateway.crypto.keys", TEST_RING)).close())
				.extracting(NestedExceptionUtils::getMostSpecificCause)
				.isInstanceOf(InvalidConfigurationException.class)
				.extracting(Throwable::getMessage)
				.isEqualTo(expected);
			assertThat(output).as("Boot's start-up failure report").contains("Description:\n\n" + expected + "\n");
			assertThat(output).doesNotContain(OLD_MATERIAL).doesNotContain("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");

			try (SecondReplica withOldKey = SecondReplica.start(replicaName(),
					Map.of("gateway.crypto.keys", TEST_RING + ",old:" + OLD_MATERIAL))) {
				assertThat(withOldKey.port()).isPositive();
			}
		}
		finally {
			this.jdbc.sql("delete from device_model where model = ?").param(model).update();
		}
	}

	@Test
	void everyMissingKeyIdIsNamedOnceWithItsColumnsAndKeyIdsAreComparedWholeNotAsLikePatterns() {
		String first = modelSealedWith("oldx1:" + OLD_MATERIAL);
		String second = modelSealedWith("old:" + OTHER_MATERIAL);
		try {
			// 'old_1' read as a LIKE pattern would match 'oldx1'.
			KeysInUse check = new KeysInUse(new SecretBox(new CryptoProperties(TEST_RING + ",old_1:" + OTHER_MATERIAL)),
					this.columns, this.jdbc);
			assertThat(check.missing()).containsOnlyKeys("old", "oldx1")
				.allSatisfy((id, where) -> assertThat(where).containsExactly("device_model.client_secret_enc"));
			assertThatThrownBy(check::afterSingletonsInstantiated).hasMessageStartingWith(
					"GATEWAY_CRYPTO_KEYS lacks the key ids 'old', 'oldx1' that stored secrets are sealed with "
							+ "(device_model.client_secret_enc): put those keys back after the active key, as secondary keys");

			assertThat(new KeysInUse(this.box, this.columns, this.jdbc).missing()).as("the test profile's ring")
				.containsOnlyKeys("old", "oldx1");
			new KeysInUse(new SecretBox(new CryptoProperties(TEST_RING + ",old:" + OTHER_MATERIAL + ",oldx1:" + OLD_MATERIAL)),
					this.columns, this.jdbc)
				.afterSingletonsInstantiated();
		}
		finally {
			this.jdbc.sql("delete from device_model where model = any(?)").param(new String[] { first, second }).update();
		}
	}

	/** A new device model whose client secret is sealed with the given key ({@code id:base64}) alone. */
	private String modelSealedWith(String key) {
		String model = newModel();
		SecretBox sealer = new SecretBox(new CryptoProperties(key));
		this.jdbc.sql("update device_model set client_secret_enc = ? where model = ?")
			.params(sealer.seal(Secret.of("secret-of-" + model), "device_model", "client_secret", model), model)
			.update();
		return model;
	}

	private static String replicaName() {
		return "keys-" + UUID.randomUUID().toString().substring(0, 8);
	}

}
