package io.c2cgateway.device;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Filters and page of {@code GET /api/v1/devices}, already validated. Devices are listed by id;
 * {@code after} is the last id of the previous page.
 */
public record DeviceQuery(List<String> states, String model, Instant refreshExpiresBefore, int limit, String after) {

	static String cursorOf(String deviceId) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(("d:" + deviceId).getBytes(StandardCharsets.UTF_8));
	}

	public static String afterOf(String cursor) {
		String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
		if (!raw.startsWith("d:") || raw.length() < 3) {
			throw new IllegalArgumentException("cursor");
		}
		return raw.substring(2);
	}

}
