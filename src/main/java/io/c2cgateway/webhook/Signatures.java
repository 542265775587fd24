package io.c2cgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.c2cgateway.crypto.Secret;

/**
 * Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">}, keyed
 * with the base64-decoded part of a {@code whsec_} secret; several signatures are space separated.
 */
final class Signatures {

	static final String PREFIX = "whsec_";

	private static final SecureRandom RANDOM = new SecureRandom();

	private Signatures() {
	}

	/** A new endpoint secret: 256 random bits. */
	static Secret newSecret() {
		byte[] key = new byte[32];
		RANDOM.nextBytes(key);
		return Secret.of(PREFIX + Base64.getEncoder().encodeToString(key));
	}

	/** The {@code webhook-signature} header value: one {@code v1,} signature per secret, in the given order. */
	static String header(List<Secret> secrets, String id, long timestamp, String body) {
		StringJoiner header = new StringJoiner(" ");
		for (Secret secret : secrets) {
			header.add("v1," + sign(secret, id, timestamp, body));
		}
		return header.toString();
	}

	static String sign(Secret secret, String id, long timestamp, String body) {
		String value = secret.reveal();
		byte[] key = Base64.getDecoder()
			.decode(value.startsWith(PREFIX) ? value.substring(PREFIX.length()) : value);
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			byte[] signed = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
			return Base64.getEncoder().encodeToString(signed);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

}
