package io.c2cgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A second, independent implementation of Standard Webhooks verification, written from the
 * specification (standardwebhooks.com, "Verifying webhook authenticity") and sharing no code with
 * the gateway's signer: no Java reference library is published on Maven Central. It checks what a
 * receiver checks: the three headers, the timestamp within the tolerance, and that any one of the
 * space-separated {@code v1,} signatures matches HMAC-SHA256 of {@code id.timestamp.body} under
 * the base64-decoded part of the {@code whsec_} secret, compared in constant time.
 */
final class StandardWebhooksVerifier {

	private static final Duration TOLERANCE = Duration.ofMinutes(5);

	private final byte[] key;

	StandardWebhooksVerifier(String secret) {
		if (!secret.startsWith("whsec_")) {
			throw new IllegalArgumentException("not a whsec_ secret");
		}
		this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
	}

	/** Throws when the message is not authentic or not fresh at {@code now}. */
	void verify(String body, Map<String, String> headers, Instant now) throws Exception {
		String id = headers.get("webhook-id");
		String timestamp = headers.get("webhook-timestamp");
		String signatures = headers.get("webhook-signature");
		if (id == null || timestamp == null || signatures == null) {
			throw new IllegalStateException("missing required headers");
		}
		long seconds = Long.parseLong(timestamp);
		if (Math.abs(now.getEpochSecond() - seconds) > TOLERANCE.toSeconds()) {
			throw new IllegalStateException("timestamp outside the tolerance");
		}
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(this.key, "HmacSHA256"));
		byte[] expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
		for (String versioned : signatures.split(" ")) {
			String[] parts = versioned.split(",", 2);
			if (parts.length == 2 && "v1".equals(parts[0])
					&& MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
				return;
			}
		}
		throw new IllegalStateException("no matching signature");
	}

	boolean verifies(String body, Map<String, String> headers, Instant now) {
		try {
			verify(body, headers, now);
			return true;
		}
		catch (Exception ex) {
			return false;
		}
	}

}
