package io.c2cgateway.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Filters and page of {@code GET /api/v1/audit-events}, already validated. {@code after} is a
 * time: only events recorded strictly later are listed. Pages go newest first.
 */
public record AuditQuery(String subjectId, String action, Instant after, int limit, Long beforeId) {

	/** The id the next page starts below, opaque to callers. */
	static String cursorAfter(long lastId) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(("a:" + lastId).getBytes(StandardCharsets.UTF_8));
	}

	public static long decodeCursor(String cursor) {
		String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
		if (!raw.startsWith("a:")) {
			throw new IllegalArgumentException("cursor");
		}
		return Long.parseLong(raw.substring(2));
	}

}
