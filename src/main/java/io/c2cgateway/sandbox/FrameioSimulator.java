package io.c2cgateway.sandbox;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Frame.io's device authorization server, in memory, with the semantics the gateway must cope
 * with: six-digit user codes, codes that expire, {@code slow_down} (and a longer interval) for a
 * poll that comes too soon, approve and deny, tokens handed out once, single-use rotating refresh
 * tokens with a 14-day life, revocation. Faults can be queued to make it answer like an outage.
 */
@Component
@Profile("sandbox")
public class FrameioSimulator {

	private static final SecureRandom RANDOM = new SecureRandom();

	private final Clock clock;

	private final SandboxProperties properties;

	private final Map<String, Code> codesByDeviceCode = new HashMap<>();

	private final Map<String, Code> codesByUserCode = new HashMap<>();

	private final Map<String, Refresh> refreshTokens = new HashMap<>();

	private final Map<String, Access> accessTokens = new HashMap<>();

	private final List<Request> requests = new ArrayList<>();

	private final List<Fault> faults = new ArrayList<>();

	FrameioSimulator(Clock clock, SandboxProperties properties) {
		this.clock = clock;
		this.properties = properties;
	}

	// ---- what a test or a person does on the Frame.io side ---------------------------------

	/** A user entered the code in a project: the next poll gets tokens. */
	public synchronized boolean approve(String userCode) {
		return decide(userCode, Decision.APPROVED);
	}

	public synchronized boolean deny(String userCode) {
		return decide(userCode, Decision.DENIED);
	}

	/** Every request received, oldest first. */
	public synchronized List<Request> requests() {
		return List.copyOf(this.requests);
	}

	/** Answers the next {@code times} matching requests with the fault instead of the real answer. */
	public synchronized void inject(Fault fault) {
		this.faults.add(fault);
	}

	public synchronized void reset() {
		this.codesByDeviceCode.clear();
		this.codesByUserCode.clear();
		this.refreshTokens.clear();
		this.accessTokens.clear();
		this.requests.clear();
		this.faults.clear();
	}

	public synchronized Optional<String> userCodeOf(String clientId) {
		return this.codesByUserCode.values()
			.stream()
			.filter((code) -> code.clientId.equals(clientId) && code.live(now()))
			.map((code) -> code.userCode)
			.reduce((first, second) -> second);
	}

	private boolean decide(String userCode, Decision decision) {
		Code code = this.codesByUserCode.get(userCode);
		if (code == null || !code.live(now()) || code.decision != Decision.NONE) {
			return false;
		}
		code.decision = decision;
		return true;
	}

	// ---- the three endpoints ---------------------------------------------------------------

	synchronized Answer deviceCode(Map<String, String> form, Map<String, String> headers, String origin) {
		String clientId = form.get("client_id");
		Fault fault = takeFault("device_code", clientId);
		log("device_code", clientId, null, headers, fault);
		if (fault != null) {
			return fault.answer();
		}
		Answer refused = checkClient(form);
		if (refused != null) {
			return refused;
		}
		String scope = form.getOrDefault("scope", "");
		if (scope.isBlank() || !scope.trim().matches("(asset_create|offline)(\\s+(asset_create|offline))*")) {
			return Answer.error(400, "invalid_scope");
		}
		purgeDeadCodes();
		Instant now = now();
		String userCode;
		do {
			userCode = String.format("%06d", RANDOM.nextInt(1_000_000));
		}
		while (this.codesByUserCode.containsKey(userCode));
		Code code = new Code(random(), userCode, clientId, now, now.plus(this.properties.codeLifetime()),
				(int) this.properties.interval().toSeconds());
		this.codesByDeviceCode.put(code.deviceCode, code);
		this.codesByUserCode.put(code.userCode, code);
		boolean platypus = "true".equalsIgnoreCase(headers.get("x-client-platypus-enabled"));
		String uri = origin + "/sandbox/pair";
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("device_code", code.deviceCode);
		body.put("expires_in", (double) this.properties.codeLifetime().toSeconds());
		body.put("interval", (double) code.interval);
		body.put("name", "Sandbox " + clientId);
		body.put("user_code", code.userCode);
		body.put("verification_uri", uri);
		body.put("verification_uri_complete", platypus ? uri + "/" + code.userCode : null);
		return new Answer(200, body, null);
	}

	synchronized Answer token(Map<String, String> form, Map<String, String> headers) {
		String clientId = form.get("client_id");
		String grant = form.getOrDefault("grant_type", "");
		String endpoint = "refresh_token".equals(grant) ? "token_refresh" : "token_poll";
		Fault fault = takeFault(endpoint, clientId);
		log(endpoint, clientId, form.get("device_code"), headers, fault);
		if (fault != null && !fault.late) {
			return fault.answer();
		}
		return late(fault, tokenAnswer(form, clientId, grant));
	}

	private Answer tokenAnswer(Map<String, String> form, String clientId, String grant) {
		Answer refused = checkClient(form);
		if (refused != null) {
			return refused;
		}
		if ("urn:ietf:params:oauth:grant-type:device_code".equals(grant)) {
			return poll(clientId, form.get("device_code"));
		}
		if ("refresh_token".equals(grant)) {
			return refresh(clientId, form.get("refresh_token"));
		}
		return Answer.error(400, "unsupported_grant_type");
	}

	synchronized Answer revoke(Map<String, String> form, Map<String, String> headers) {
		String clientId = form.get("client_id");
		Fault fault = takeFault("revoke", clientId);
		log("revoke", clientId, null, headers, fault);
		if (fault != null && !fault.late) {
			return fault.answer();
		}
		return late(fault, revokeAnswer(form, clientId));
	}

	private Answer revokeAnswer(Map<String, String> form, String clientId) {
		Answer refused = checkClient(form);
		if (refused != null) {
			return refused;
		}
		String token = form.get("token");
		if (token == null || token.isBlank()) {
			return Answer.error(400, "invalid_request");
		}
		Refresh refresh = this.refreshTokens.get(token);
		if (refresh != null && refresh.clientId.equals(clientId)) {
			refresh.revoked = true;
			Access access = this.accessTokens.get(refresh.accessToken);
			if (access != null) {
				access.revoked = true;
			}
		}
		Access access = this.accessTokens.get(token);
		if (access != null && access.clientId.equals(clientId)) {
			access.revoked = true;
		}
		return new Answer(200, Map.of("success", true), null);
	}

	/** The real answer of a request a late fault let through, held back by the fault's delay. */
	private static Answer late(Fault fault, Answer answer) {
		return (fault != null) ? new Answer(answer.status(), answer.body(), answer.retryAfter(), fault.delay) : answer;
	}

	/** Whether a refresh token would be accepted by the token endpoint right now. */
	public synchronized boolean refreshTokenValid(String token) {
		Refresh refresh = this.refreshTokens.get(token);
		return refresh != null && !refresh.used && !refresh.revoked && now().isBefore(refresh.expiresAt);
	}

	/** How many requests to {@code endpoint} for {@code clientId} arrived, faulted or not. */
	public synchronized long requestCount(String endpoint, String clientId) {
		return this.requests.stream()
			.filter((request) -> request.endpoint().equals(endpoint) && request.clientId() != null
					&& request.clientId().equals(clientId))
			.count();
	}

	/** Whether an access token would be accepted by Frame.io's device endpoints right now. */
	public synchronized boolean accessTokenValid(String token) {
		Access access = this.accessTokens.get(token);
		return access != null && !access.revoked && now().isBefore(access.expiresAt);
	}

	private Answer poll(String clientId, String deviceCode) {
		Code code = (deviceCode != null) ? this.codesByDeviceCode.get(deviceCode) : null;
		if (code == null || !code.clientId.equals(clientId) || code.consumed) {
			return Answer.error(400, "invalid_grant");
		}
		Instant now = now();
		if (!now.isBefore(code.expiresAt)) {
			return Answer.error(400, "expired_token");
		}
		Instant previous = (code.lastPollAt != null) ? code.lastPollAt : code.issuedAt;
		code.lastPollAt = now;
		if (Duration.between(previous, now).compareTo(Duration.ofSeconds(code.interval)) < 0) {
			code.interval += 5;
			code.slowDowns++;
			return Answer.error(400, "slow_down");
		}
		switch (code.decision) {
			case DENIED:
				code.consumed = true;
				return Answer.error(400, "access_denied");
			case APPROVED:
				code.consumed = true;
				return tokens(clientId);
			default:
				return Answer.error(400, "authorization_pending");
		}
	}

	private Answer refresh(String clientId, String refreshToken) {
		Refresh refresh = (refreshToken != null) ? this.refreshTokens.get(refreshToken) : null;
		if (refresh == null || !refresh.clientId.equals(clientId)) {
			return Answer.error(400, "invalid_request");
		}
		if (refresh.revoked || !now().isBefore(refresh.expiresAt)) {
			return notAuthorized();
		}
		if (refresh.used) {
			return Answer.error(400, "invalid_request");
		}
		refresh.used = true;
		Access previous = this.accessTokens.get(refresh.accessToken);
		if (previous != null) {
			// Rotation invalidates the previous credentials.
			previous.revoked = true;
		}
		return tokens(clientId);
	}

	private Answer tokens(String clientId) {
		Instant now = now();
		String access = random();
		String refresh = random();
		this.accessTokens.put(access, new Access(clientId, now.plus(this.properties.accessTokenLifetime())));
		this.refreshTokens.put(refresh, new Refresh(clientId, access, now.plus(this.properties.refreshTokenLifetime())));
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("access_token", access);
		body.put("expires_in", (double) this.properties.accessTokenLifetime().toSeconds());
		body.put("refresh_token", refresh);
		body.put("token_type", "bearer");
		return new Answer(200, body, null);
	}

	private Answer checkClient(Map<String, String> form) {
		String clientId = form.get("client_id");
		String secret = form.get("client_secret");
		if (clientId == null || clientId.isBlank()) {
			return Answer.error(400, "invalid_request");
		}
		if (secret == null || secret.isBlank() || secret.startsWith("invalid")) {
			return Answer.error(400, "invalid_client");
		}
		return null;
	}

	private static Answer notAuthorized() {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("code", 401);
		error.put("detail", "You are not allowed to access that resource");
		error.put("status", 401);
		error.put("title", "Not Authorized");
		return new Answer(401, Map.of("code", 401, "errors", List.of(error), "message", "Not Authorized"), null);
	}

	private Fault takeFault(String endpoint, String clientId) {
		for (Iterator<Fault> it = this.faults.iterator(); it.hasNext();) {
			Fault fault = it.next();
			if (fault.matches(endpoint, clientId)) {
				fault.remaining--;
				if (fault.remaining <= 0) {
					it.remove();
				}
				return fault;
			}
		}
		return null;
	}

	private void log(String endpoint, String clientId, String deviceCode, Map<String, String> headers, Fault fault) {
		this.requests.add(new Request(endpoint, clientId, deviceCode, now(), headers.get("x-client-version"),
				headers.get("x-client-platypus-enabled"), headers.get("authorization") != null, fault != null));
	}

	private void purgeDeadCodes() {
		Instant horizon = now().minus(Duration.ofHours(1));
		this.codesByDeviceCode.values().removeIf((code) -> code.expiresAt.isBefore(horizon));
		this.codesByUserCode.values().removeIf((code) -> code.expiresAt.isBefore(horizon));
	}

	private Instant now() {
		return this.clock.instant();
	}

	private static String random() {
		byte[] bytes = new byte[24];
		RANDOM.nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	/** One request as the simulator saw it. {@code deviceCode} is set for polls. */
	public record Request(String endpoint, String clientId, String deviceCode, Instant at, String clientVersion,
			String platypusHeader, boolean basicAuthUsed, boolean faulted) {
	}

	/** An HTTP answer to send. */
	record Answer(int status, Object body, String retryAfter, Duration delay) {

		Answer(int status, Object body, String retryAfter) {
			this(status, body, retryAfter, Duration.ZERO);
		}

		static Answer error(int status, String error) {
			return new Answer(status, Map.of("error", error), null);
		}

	}

	/**
	 * A canned answer for the next {@code times} requests to {@code endpoint} ({@code device_code},
	 * {@code token_poll}, {@code token_refresh}, {@code revoke}) of {@code clientId} (null: any).
	 * {@code delay} holds the answer back, to provoke the gateway's timeout. A {@link #late} fault
	 * instead lets the request take effect and only holds its real answer back: with a delay beyond
	 * the gateway's timeout, Frame.io acted (a refresh token spent, say) and the answer is lost.
	 */
	public static final class Fault {

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

	private enum Decision {

		NONE, APPROVED, DENIED

	}

	private static final class Code {

		final String deviceCode;

		final String userCode;

		final String clientId;

		final Instant issuedAt;

		final Instant expiresAt;

		int interval;

		int slowDowns;

		Instant lastPollAt;

		Decision decision = Decision.NONE;

		boolean consumed;

		Code(String deviceCode, String userCode, String clientId, Instant issuedAt, Instant expiresAt, int interval) {
			this.deviceCode = deviceCode;
			this.userCode = userCode;
			this.clientId = clientId;
			this.issuedAt = issuedAt;
			this.expiresAt = expiresAt;
			this.interval = interval;
		}

		boolean live(Instant now) {
			return !this.consumed && now.isBefore(this.expiresAt);
		}

	}

	private static final class Refresh {

		final String clientId;

		final String accessToken;

		final Instant expiresAt;

		boolean used;

		boolean revoked;

		Refresh(String clientId, String accessToken, Instant expiresAt) {
			this.clientId = clientId;
			this.accessToken = accessToken;
			this.expiresAt = expiresAt;
		}

	}

	private static final class Access {

		final String clientId;

		final Instant expiresAt;

		boolean revoked;

		Access(String clientId, Instant expiresAt) {
			this.clientId = clientId;
			this.expiresAt = expiresAt;
		}

	}

}
