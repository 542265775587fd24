package io.c2cgateway.sandbox;

import java.time.Duration;
import java.util.Map;

/**
 * A canned answer for the next {@code times} requests to {@code endpoint} ({@code device_code},
 * {@code token_poll}, {@code token_refresh}, {@code revoke}, {@code devices_me}) of {@code clientId}
 * (null: any).
 * {@code delay} holds the answer back, to provoke the gateway's timeout. A {@link #late} fault
 * instead lets the request take effect and only holds its real answer back: with a delay beyond
 * the gateway's timeout, Frame.io acted (a refresh token spent, say) and the answer is lost. A
 * {@code body} that is a {@code String} is sent as an HTML page, as a proxy or CDN would answer.
 */
public final class Fault {

	final String endpoint;

	final String clientId;

	final int status;

	final Object body;

	final String retryAfter;

	final Duration delay;

	final boolean late;

	int remaining;

	public Fault(String endpoint, String clientId, int status, Object body, String retryAfter, Duration delay,
			int times) {
		this(endpoint, clientId, status, body, retryAfter, delay, times, false);
	}

	private Fault(String endpoint, String clientId, int status, Object body, String retryAfter, Duration delay,
			int times, boolean late) {
		this.late = late;
		this.endpoint = endpoint;
		this.clientId = clientId;
		this.status = status;
		this.body = body;
		this.retryAfter = retryAfter;
		this.delay = (delay != null) ? delay : Duration.ZERO;
		this.remaining = Math.max(1, times);
	}

	public static Fault error(String endpoint, String clientId, String error) {
		return new Fault(endpoint, clientId, 400, Map.of("error", error), null, null, 1);
	}

	public static Fault status(String endpoint, String clientId, int status, String retryAfter) {
		return new Fault(endpoint, clientId, status, Map.of("message", "simulated outage"), retryAfter, null, 1);
	}

	public static Fault delay(String endpoint, String clientId, Duration delay) {
		return new Fault(endpoint, clientId, 503, Map.of("message", "too late"), null, delay, 1);
	}

	/** The request takes effect; its real answer leaves after {@code delay}. */
	public static Fault late(String endpoint, String clientId, Duration delay) {
		return new Fault(endpoint, clientId, 200, null, null, delay, 1, true);
	}

	boolean matches(String endpoint, String clientId) {
		return this.endpoint.equals(endpoint) && (this.clientId == null || this.clientId.equals(clientId));
	}

	Answer answer() {
		return new Answer(this.status, this.body, this.retryAfter, this.delay);
	}

}
