package io.c2cgateway.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Set;

import org.springframework.stereotype.Service;

/**
 * Encrypts secrets for storage. Each ciphertext carries the id of its key
 * ({@code v1.<keyId>.<base64url(nonce|ciphertext|tag)>}) and is bound by associated data to the
 * table, column and row it belongs to, so a ciphertext copied to another row does not decrypt.
 */
@Service
public class SecretBox {

	static final String VERSION = "v1";

	private final KeyRing keys;

	SecretBox(CryptoProperties properties) {
		this.keys = KeyRing.parse(properties.keys());
	}

	public String seal(Secret secret, String table, String column, Object rowId) {
		try {
			byte[] sealed = this.keys.active()
				.encrypt(secret.reveal().getBytes(StandardCharsets.UTF_8), aad(table, column, rowId));
			return VERSION + "." + this.keys.activeId() + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
		}
		catch (GeneralSecurityException ex) {
			throw new CryptoException("encryption failed for " + table + "." + column);
		}
	}

	public Secret open(String stored, String table, String column, Object rowId) {
		String[] parts = (stored != null) ? stored.split("\\.", 3) : new String[0];
		if (parts.length != 3 || !VERSION.equals(parts[0])) {
			throw new CryptoException("unreadable ciphertext in " + table + "." + column);
		}
		var key = this.keys.get(parts[1]);
		if (key == null) {
			throw new CryptoException("ciphertext in " + table + "." + column + " uses key '" + parts[1]
					+ "', which " + KeyRing.SETTING + " does not list");
		}
		try {
			byte[] plain = key.decrypt(Base64.getUrlDecoder().decode(parts[2]), aad(table, column, rowId));
			return Secret.of(new String(plain, StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException | IllegalArgumentException ex) {
			throw new CryptoException("ciphertext in " + table + "." + column + " does not decrypt for this row");
		}
	}

	/**
	 * Whether a stored value has the form of a ciphertext, for columns that were plaintext before
	 * they were sealed: a value without it is a legacy plaintext, one with it must open.
	 */
	public static boolean isSealed(String stored) {
		return stored != null && stored.startsWith(VERSION + ".") && stored.indexOf('.', VERSION.length() + 1) > 0;
	}

	/** The start of every ciphertext sealed with the active key. */
	String activePrefix() {
		return VERSION + "." + this.keys.activeId() + ".";
	}

	/** The ids of every key of the ring, which together open what was sealed with any of them. */
	Set<String> keyIds() {
		return this.keys.ids();
	}

	/** Whether a stored value was sealed with a key other than the active one. */
	public boolean isStale(String stored) {
		return stored != null && !stored.startsWith(VERSION + "." + this.keys.activeId() + ".");
	}

	private static byte[] aad(String table, String column, Object rowId) {
		return (table + "/" + column + "/" + rowId).getBytes(StandardCharsets.UTF_8);
	}

	/** A ciphertext that cannot be opened; says where, never what. */
	public static class CryptoException extends RuntimeException {

		CryptoException(String message) {
			super(message);
		}

	}

}
