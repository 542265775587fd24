package io.c2cgateway.pairing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Filters and page of {@code GET /api/v1/pairings}, already validated. {@code createdByKeyId}
 * narrows to one key's pairings (the console's station filter; the API has none and passes null).
 */
public record PairingQuery(List<String> statuses, String model, String deviceId, Instant createdAfter, Instant createdBefore,
		int limit, Cursor cursor, UUID createdByKeyId) {

	/** Where the previous page ended: newest first by creation time, then id. */
	public record Cursor(Instant createdAt, UUID id) {

		String encode() {
			String raw = this.createdAt.getEpochSecond() + ":" + this.createdAt.getNano() + ":" + this.id;
			return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
		}

		public static Cursor decode(String encoded) {
			String[] parts = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8).split(":");
			if (parts.length != 3) {
				throw new IllegalArgumentException("cursor");
			}
			return new Cursor(Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
					UUID.fromString(parts[2]));
		}

	}

}
