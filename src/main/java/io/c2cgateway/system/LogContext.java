package io.c2cgateway.system;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.slf4j.MDC;

/**
 * The pairing and device a log line is about, as MDC entries: {@code pairingId} and
 * {@code deviceId}. Structured JSON logs (ECS, Logstash) carry MDC entries as top-level fields, so
 * every line written while a context is open can be found by either id. Closing restores what was
 * there before, so contexts nest (a request's context around a service's).
 */
public final class LogContext implements AutoCloseable {

	public static final String PAIRING_ID = "pairingId";

	public static final String DEVICE_ID = "deviceId";

	private static final Pattern DEVICE_ID_PATTERN = Pattern.compile(Patterns.DEVICE_ID);

	private final Map<String, String> previous = new LinkedHashMap<>();

	private LogContext() {
	}

	/** Either id may be null: it is then left as it was. */
	public static LogContext of(Object pairingId, String deviceId) {
		LogContext context = new LogContext();
		if (pairingId != null) {
			context.put(PAIRING_ID, pairingId.toString());
		}
		if (deviceId != null) {
			context.put(DEVICE_ID, deviceId);
		}
		return context;
	}

	/**
	 * Ids taken from a request path, where anything may arrive: only well-formed ones go into the
	 * context, so a crafted path cannot forge log lines or fields.
	 */
	public static LogContext fromUntrusted(String pairingId, String deviceId) {
		return of(isUuid(pairingId) ? pairingId : null,
				(deviceId != null && DEVICE_ID_PATTERN.matcher(deviceId).matches()) ? deviceId : null);
	}

	private void put(String key, String value) {
		this.previous.put(key, MDC.get(key));
		MDC.put(key, value);
	}

	@Override
	public void close() {
		this.previous.forEach((key, value) -> {
			if (value != null) {
				MDC.put(key, value);
			}
			else {
				MDC.remove(key);
			}
		});
		this.previous.clear();
	}

	private static boolean isUuid(String value) {
		if (value == null || value.length() != 36) {
			return false;
		}
		try {
			UUID.fromString(value);
			return true;
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

}
