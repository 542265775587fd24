package io.c2cgateway.sandbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Frame.io's device authorization server, in memory, with the semantics the gateway must cope
 * with: six-digit user codes, codes that expire, {@code slow_down} (and a longer interval) for a
 * poll that comes too soon, approve and deny, tokens handed out once, single-use rotating refresh
 * tokens with a 14-day life, revocation. Faults can be queued to make it answer like an outage;
 * token lifetimes and rotation can be set per client, to answer like other RFC 8628 servers.
 */
@Component
@Profile("sandbox")
public class FrameioSimulator {

	private final Clock clock;

	private final Grants grants;

	private final List<Request> requests = new ArrayList<>();

	private final List<Fault> faults = new ArrayList<>();

	private final RateLimits rateLimits;

	FrameioSimulator(Clock clock, SandboxProperties properties) {
		this.clock = clock;
		this.grants = new Grants(clock, properties);
		this.rateLimits = new RateLimits(clock);
	}

	// ---- what a test or a person does on the Frame.io side ---------------------------------

	/** A user entered the code in a project: the next poll gets tokens. */
	public synchronized boolean approve(String userCode) {
		return this.grants.decide(userCode, Grants.Decision.APPROVED);
	}

	public synchronized boolean deny(String userCode) {
		return this.grants.decide(userCode, Grants.Decision.DENIED);
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
		this.grants.clear();
		this.requests.clear();
		this.faults.clear();
		this.rateLimits.clear();
	}

	/**
	 * Until {@link #reset()}, access tokens issued to {@code clientId} live {@code lifetime}
	 * (stated as {@code expires_in}), whatever the properties say.
	 */
	public synchronized void accessTokenLifetime(String clientId, Duration lifetime) {
		Grants.Terms terms = this.grants.terms(clientId);
		this.grants.terms(clientId, new Grants.Terms(lifetime, terms.refreshTokenLifetime(), terms.rotateRefreshTokens()));
	}

	/**
	 * Until {@link #reset()}, refresh tokens issued to {@code clientId} live {@code lifetime}; other
	 * than Frame.io's 14 days, token answers state it as {@code refresh_expires_in}.
	 */
	public synchronized void refreshTokenLifetime(String clientId, Duration lifetime) {
		Grants.Terms terms = this.grants.terms(clientId);
		this.grants.terms(clientId, new Grants.Terms(terms.accessTokenLifetime(), lifetime, terms.rotateRefreshTokens()));
	}

	/**
	 * Until {@link #reset()}, whether refreshes of {@code clientId} rotate the refresh token; false:
	 * the answer carries no {@code refresh_token} and the current one stays in force.
	 */
	public synchronized void rotateRefreshTokens(String clientId, boolean rotate) {
		Grants.Terms terms = this.grants.terms(clientId);
		this.grants.terms(clientId, new Grants.Terms(terms.accessTokenLifetime(), terms.refreshTokenLifetime(), rotate));
	}

	public synchronized Optional<String> userCodeOf(String clientId) {
		return this.grants.userCodeOf(clientId);
	}

	// ---- the endpoints ---------------------------------------------------------------------

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
		boolean platypus = "true".equalsIgnoreCase(headers.get("x-client-platypus-enabled"));
		return this.grants.issueCode(clientId, platypus, origin);
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
			return this.grants.poll(clientId, form.get("device_code"));
		}
		if ("refresh_token".equals(grant)) {
			return this.grants.refresh(clientId, form.get("refresh_token"));
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
		Answer refusal = this.grants.revoke(clientId, token);
		return (refusal != null) ? refusal : new Answer(200, Map.of("success", true), null);
	}

	/**
	 * {@code GET /v2/devices/me}: the project device an access token belongs to. The request is
	 * logged under the token's {@code client_id} (null for a token never issued here).
	 */
	synchronized Answer devicesMe(Map<String, String> headers) {
		String authorization = headers.get("authorization");
		String token = (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7))
				? authorization.substring(7).trim() : null;
		String clientId = this.grants.clientIdOf(token);
		Fault fault = takeFault("devices_me", clientId);
		log("devices_me", clientId, null, headers, fault);
		if (fault != null && !fault.late) {
			return fault.answer();
		}
		return late(fault, this.grants.projectDevice(token));
	}

	/** The real answer of a request a late fault let through, held back by the fault's delay. */
	private static Answer late(Fault fault, Answer answer) {
		return (fault != null) ? new Answer(answer.status(), answer.body(), answer.retryAfter(), fault.delay) : answer;
	}

	/** Whether a refresh token would be accepted by the token endpoint right now. */
	public synchronized boolean refreshTokenValid(String token) {
		return this.grants.refreshTokenValid(token);
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
		return this.grants.accessTokenValid(token);
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
		String authorization = headers.get("authorization");
		this.requests.add(new Request(endpoint, clientId, deviceCode, now(), headers.get("x-client-version"),
				headers.get("x-client-platypus-enabled"),
				authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6), fault != null));
	}

	private Instant now() {
		return this.clock.instant();
	}

	/**
	 * Frame.io's rate limit for an endpoint ({@code device_code}, {@code token}, {@code revoke}): at
	 * most {@code calls} per {@code window} under one client secret; {@code x-ratelimit-*} headers on
	 * every answer from then on. {@link #reset()} lifts it.
	 */
	public synchronized void limitRate(String endpoint, int calls, Duration window) {
		this.rateLimits.limit(endpoint, calls, window);
	}

	/** Lifts every rate limit set with {@link #limitRate}. */
	public synchronized void liftRateLimits() {
		this.rateLimits.clear();
	}

	/**
	 * Runs one request through the rate limit: the real answer with the limit's headers, or, over the
	 * limit, a 429 that Frame.io would send instead (the request is recorded as received all the same).
	 */
	synchronized Answer rateLimited(String endpoint, Map<String, String> form, Map<String, String> headers,
			Supplier<Answer> answer) {
		RateLimits.Charge charge = this.rateLimits.charge(endpoint, String.valueOf(form.get("client_secret")));
		if (charge == null) {
			return answer.get();
		}
		if (charge.exceeded()) {
			String name = "token".equals(endpoint)
					? ("refresh_token".equals(form.get("grant_type")) ? "token_refresh" : "token_poll") : endpoint;
			log(name, form.get("client_id"), form.get("device_code"), headers, null);
			return RateLimits.tooMany(charge.headers());
		}
		return answer.get().withHeaders(charge.headers());
	}

	/** One request as the simulator saw it. {@code deviceCode} is set for polls. */
	public record Request(String endpoint, String clientId, String deviceCode, Instant at, String clientVersion,
			String platypusHeader, boolean basicAuthUsed, boolean faulted) {
	}

}
