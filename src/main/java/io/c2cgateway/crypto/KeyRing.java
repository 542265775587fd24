package io.c2cgateway.crypto;

import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.util.SecretBytes;

import io.c2cgateway.system.InvalidConfigurationException;

/** The AES-256-GCM keys of {@code GATEWAY_CRYPTO_KEYS}, by id, in the order given. */
final class KeyRing {

	static final String SETTING = "GATEWAY_CRYPTO_KEYS";

	/** What a key id may be; ciphertexts carry it in plain. */
	static final String KEY_ID_REGEX = "[A-Za-z0-9_-]{1,32}";

	private static final Pattern KEY_ID = Pattern.compile(KEY_ID_REGEX);

	private final String activeId;

	private final Map<String, Aead> keys;

	private KeyRing(String activeId, Map<String, Aead> keys) {
		this.activeId = activeId;
		this.keys = keys;
	}

	static KeyRing parse(String setting) {
		if (setting == null || setting.isBlank()) {
			throw new InvalidConfigurationException(SETTING
					+ " is not set: give one or more 256-bit AES keys as id:base64key[,id:base64key...]");
		}
		Map<String, Aead> keys = new LinkedHashMap<>();
		String active = null;
		int position = 0;
		for (String entry : setting.split(",")) {
			position++;
			String trimmed = entry.trim();
			int colon = trimmed.indexOf(':');
			if (colon < 0) {
				throw malformed(position, "is not of the form id:base64key");
			}
			String id = trimmed.substring(0, colon);
			if (!KEY_ID.matcher(id).matches()) {
				throw malformed(position, "has an id that is not 1-32 letters, digits, '-' or '_'");
			}
			if (keys.containsKey(id)) {
				throw malformed(position, "repeats the key id '" + id + "'");
			}
			byte[] material = decode(trimmed.substring(colon + 1), position);
			if (material.length != 32) {
				throw malformed(position, "is " + (material.length * 8) + " bits long, not 256");
			}
			keys.put(id, aead(material));
			if (active == null) {
				active = id;
			}
		}
		return new KeyRing(active, Map.copyOf(keys));
	}

	String activeId() {
		return this.activeId;
	}

	Aead active() {
		return this.keys.get(this.activeId);
	}

	Aead get(String id) {
		return this.keys.get(id);
	}

	/** Every key id of the ring. */
	Set<String> ids() {
		return this.keys.keySet();
	}

	private static byte[] decode(String base64, int position) {
		try {
			return Base64.getDecoder().decode(base64.trim());
		}
		catch (IllegalArgumentException notStandard) {
			try {
				return Base64.getUrlDecoder().decode(base64.trim());
			}
			catch (IllegalArgumentException notUrl) {
				throw malformed(position, "is not valid base64");
			}
		}
	}

	private static Aead aead(byte[] material) {
		try {
			AesGcmParameters parameters = AesGcmParameters.builder()
				.setKeySizeBytes(32)
				.setIvSizeBytes(12)
				.setTagSizeBytes(16)
				.setVariant(AesGcmParameters.Variant.NO_PREFIX)
				.build();
			AesGcmKey key = AesGcmKey.builder()
				.setParameters(parameters)
				.setKeyBytes(SecretBytes.copyFrom(material, InsecureSecretKeyAccess.get()))
				.build();
			return AesGcmJce.create(key);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES-GCM is not available in this JVM", ex);
		}
	}

	private static InvalidConfigurationException malformed(int position, String problem) {
		return new InvalidConfigurationException(SETTING + " is malformed: key #" + position + " " + problem);
	}

}
