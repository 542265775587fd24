package io.c2cgateway.crypto;

import org.junit.jupiter.api.Test;

import io.c2cgateway.system.InvalidConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretBoxTests {

	private static final String KEY_A = "a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

	private static final String KEY_B = "b:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA=";

	@Test
	void sealedSecretOpensOnlyForItsOwnTableColumnAndRow() {
		SecretBox box = new SecretBox(new CryptoProperties(KEY_A));
		String sealed = box.seal(Secret.of("s3cret"), "device_model", "client_secret", "cam-x");
		assertThat(sealed).startsWith("v1.a.").doesNotContain("s3cret");
		assertThat(box.open(sealed, "device_model", "client_secret", "cam-x").reveal()).isEqualTo("s3cret");
		assertThatThrownBy(() -> box.open(sealed, "device_model", "client_secret", "cam-y"))
			.isInstanceOf(SecretBox.CryptoException.class)
			.hasMessageNotContaining("s3cret");
		assertThatThrownBy(() -> box.open(sealed, "pairing", "device_code", "cam-x"))
			.isInstanceOf(SecretBox.CryptoException.class);
	}

	@Test
	void everySealUsesAFreshNonce() {
		SecretBox box = new SecretBox(new CryptoProperties(KEY_A));
		assertThat(box.seal(Secret.of("same"), "t", "c", 1)).isNotEqualTo(box.seal(Secret.of("same"), "t", "c", 1));
	}

	@Test
	void firstKeyEncryptsAndEveryListedKeyDecrypts() {
		SecretBox old = new SecretBox(new CryptoProperties(KEY_B));
		String sealedWithB = old.seal(Secret.of("x"), "t", "c", 1);
		SecretBox rotated = new SecretBox(new CryptoProperties(KEY_A + "," + KEY_B));
		assertThat(rotated.open(sealedWithB, "t", "c", 1).reveal()).isEqualTo("x");
		assertThat(rotated.isStale(sealedWithB)).isTrue();
		assertThat(rotated.seal(Secret.of("x"), "t", "c", 1)).startsWith("v1.a.");
		SecretBox withoutB = new SecretBox(new CryptoProperties(KEY_A));
		assertThatThrownBy(() -> withoutB.open(sealedWithB, "t", "c", 1)).hasMessageContaining("uses key 'b'");
	}

	@Test
	void missingKeysRefuseToStartWithOneClearLine() {
		assertThatThrownBy(() -> new SecretBox(new CryptoProperties(null)))
			.isInstanceOf(InvalidConfigurationException.class)
			.hasMessageStartingWith("GATEWAY_CRYPTO_KEYS is not set");
	}

	@Test
	void malformedKeysRefuseToStartWithoutEchoingTheKey() {
		assertThatThrownBy(() -> new SecretBox(new CryptoProperties("nocolon")))
			.hasMessage("GATEWAY_CRYPTO_KEYS is malformed: key #1 is not of the form id:base64key");
		assertThatThrownBy(() -> new SecretBox(new CryptoProperties("k:c2hvcnQ=")))
			.hasMessage("GATEWAY_CRYPTO_KEYS is malformed: key #1 is 40 bits long, not 256");
		assertThatThrownBy(() -> new SecretBox(new CryptoProperties(KEY_A + ",a:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")))
			.hasMessage("GATEWAY_CRYPTO_KEYS is malformed: key #2 repeats the key id 'a'");
		assertThatThrownBy(() -> new SecretBox(new CryptoProperties("k:!!notbase64!!")))
			.hasMessage("GATEWAY_CRYPTO_KEYS is malformed: key #1 is not valid base64");
	}

	@Test
	void secretNeverShowsItselfInToString() {
		assertThat(Secret.of("hunter2").toString()).doesNotContain("hunter2");
		assertThat(String.valueOf(new CryptoProperties(KEY_A))).doesNotContain("AAECAwQF");
	}

}
