package io.c2cgateway.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the simulated authorization server remembers: device codes and their decisions, and the
 * refresh and access tokens it handed out. Not thread-safe: {@link FrameioSimulator} calls it only
 * while holding its own monitor, so one request sees and changes the state atomically.
 */
final class Grants {

	private static final SecureRandom RANDOM = new SecureRandom();

	/** What Frame.io's refresh tokens live, unstated in its answers. */
	static final Duration FRAMEIO_REFRESH_TOKEN_LIFETIME = Duration.ofDays(14);

	/** The one project every simulated device lands in. */
	static final String SANDBOX_PROJECT_ID = "5a9d6b0e-2c4f-4e8a-9b1d-3f7c2e6a8d40";

	static final String SANDBOX_PROJECT_NAME = "Sandbox Project";

	private final Clock clock;

	private final SandboxProperties properties;

	private final Map<String, Code> codesByDeviceCode = new HashMap<>();

	private final Map<String, Code> codesByUserCode = new HashMap<>();

	private Instant nextPurge = Instant.MIN;

	private final Map<String, Refresh> refreshTokens = new HashMap<>();

	private final Map<String, Access> accessTokens = new HashMap<>();

	private final Map<String, Terms> terms = new HashMap<>();

	Grants(Clock clock, SandboxProperties properties) {
		this.clock = clock;
		this.properties = properties;
	}

	void clear() {
		this.codesByDeviceCode.clear();
		this.codesByUserCode.clear();
		this.refreshTokens.clear();
		this.accessTokens.clear();
		this.terms.clear();
	}

	/** The token terms of one client, its own where a test set them, else the properties'. */
	Terms terms(String clientId) {
		Terms own = this.terms.get(clientId);
		return (own != null) ? own
				: new Terms(this.properties.accessTokenLifetime(), this.properties.refreshTokenLifetime(),
						this.properties.rotateRefreshTokens());
	}

	void terms(String clientId, Terms terms) {
		this.terms.put(clientId, terms);
	}

	Optional<String> userCodeOf(String clientId) {
		return this.codesByUserCode.values()
			.stream()
			.filter((code) -> code.clientId.equals(clientId) && code.live(now()))
			.map((code) -> code.userCode)
			.reduce((first, second) -> second);
	}

	boolean decide(String userCode, Decision decision) {
		Code code = this.codesByUserCode.get(userCode);
		if (code == null || !code.live(now()) || code.decision != Decision.NONE) {
			return false;
		}
		code.decision = decision;
		return true;
	}

	/** A new device code and a six-digit user code no live code uses. */
	Answer issueCode(String clientId, boolean platypus, String origin) {
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

	Answer poll(String clientId, String deviceCode) {
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

	Answer refresh(String clientId, String refreshToken) {
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
		Access previous = this.accessTokens.get(refresh.accessToken);
		if (previous != null) {
			// A refresh invalidates the previous access token.
			previous.revoked = true;
		}
		if (!terms(clientId).rotateRefreshTokens()) {
			// RFC 6749 section 6: no new refresh token in the answer, the current one stays in force.
			String access = issueAccessToken(clientId);
			refresh.accessToken = access;
			return new Answer(200, accessTokenBody(clientId, access), null);
		}
		refresh.used = true;
		return tokens(clientId);
	}

	/**
	 * Revokes {@code token} if it is one of {@code clientId}'s; a refresh token takes its access
	 * token along. Frame.io does not document its refusals, so the simulator refuses only what it can
	 * tell is not this client's to revoke: a token issued to another client (RFC 7009 section 2.1
	 * refuses those) and a refresh token past its life, both with 400 {@code invalid_grant} as the
	 * token endpoint answers for them. An unknown token, one revoked already and a refresh token
	 * spent by rotation answer 200, as RFC 7009 section 2.2 asks for invalid tokens: a revocation
	 * that raced a refresh sends the spent token, and the revocation must still end well. Expired
	 * refresh tokens are what a sandbox with a short {@code refresh-token-lifetime} refuses.
	 *
	 * @return null when revoked (or nothing to revoke), else the refusal
	 */
	Answer revoke(String clientId, String token) {
		Refresh refresh = this.refreshTokens.get(token);
		Access access = this.accessTokens.get(token);
		if ((refresh != null && !refresh.clientId.equals(clientId)) || (access != null && !access.clientId.equals(clientId))) {
			return Answer.error(400, "invalid_grant");
		}
		if (refresh != null && !refresh.revoked && !now().isBefore(refresh.expiresAt)) {
			return Answer.error(400, "invalid_grant");
		}
		if (refresh != null) {
			refresh.revoked = true;
			Access sibling = this.accessTokens.get(refresh.accessToken);
			if (sibling != null) {
				sibling.revoked = true;
			}
		}
		if (access != null) {
			access.revoked = true;
		}
		return null;
	}

	boolean refreshTokenValid(String token) {
		Refresh refresh = this.refreshTokens.get(token);
		return refresh != null && !refresh.used && !refresh.revoked && now().isBefore(refresh.expiresAt);
	}

	boolean accessTokenValid(String token) {
		Access access = this.accessTokens.get(token);
		return access != null && !access.revoked && now().isBefore(access.expiresAt);
	}

	/** Whose access token this is, valid or not; null for one never issued. */
	String clientIdOf(String accessToken) {
		Access access = (accessToken != null) ? this.accessTokens.get(accessToken) : null;
		return (access != null) ? access.clientId : null;
	}

	/**
	 * The project device a valid access token belongs to, shaped like Frame.io's answer (trimmed to
	 * what a device shows), in one fixed project; 401 with Frame.io's detailed error otherwise.
	 */
	Answer projectDevice(String accessToken) {
		if (accessToken == null || !accessTokenValid(accessToken)) {
			return notAuthorized();
		}
		String clientId = this.accessTokens.get(accessToken).clientId;
		Map<String, Object> project = new LinkedHashMap<>();
		project.put("_type", "project");
		project.put("id", SANDBOX_PROJECT_ID);
		project.put("name", SANDBOX_PROJECT_NAME);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("_type", "project_device");
		body.put("id", UUID.nameUUIDFromBytes(("sandbox-device:" + clientId).getBytes(StandardCharsets.UTF_8)).toString());
		body.put("name", "Sandbox " + clientId);
		body.put("asset_type", "video");
		body.put("device_id", clientId);
		body.put("status", "online");
		body.put("project_id", SANDBOX_PROJECT_ID);
		body.put("project", project);
		body.put("channel_count", 1);
		return new Answer(200, body, null);
	}

	/**
	 * A new pair. Frame.io states no refresh-token life (it is 14 days); a life set otherwise is
	 * stated as {@code refresh_expires_in}, as other RFC 8628 servers do.
	 */
	private Answer tokens(String clientId) {
		Terms terms = terms(clientId);
		String access = issueAccessToken(clientId);
		String refresh = random();
		this.refreshTokens.put(refresh, new Refresh(clientId, access, now().plus(terms.refreshTokenLifetime())));
		Map<String, Object> body = accessTokenBody(clientId, access);
		body.put("refresh_token", refresh);
		if (!FRAMEIO_REFRESH_TOKEN_LIFETIME.equals(terms.refreshTokenLifetime())) {
			body.put("refresh_expires_in", (double) terms.refreshTokenLifetime().toSeconds());
		}
		return new Answer(200, body, null);
	}

	private String issueAccessToken(String clientId) {
		String access = random();
		this.accessTokens.put(access, new Access(clientId, now().plus(terms(clientId).accessTokenLifetime())));
		return access;
	}

	private Map<String, Object> accessTokenBody(String clientId, String access) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("access_token", access);
		body.put("expires_in", (double) terms(clientId).accessTokenLifetime().toSeconds());
		body.put("token_type", "bearer");
		return body;
	}

	private static Answer notAuthorized() {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("code", 401);
		error.put("detail", "You are not allowed to access that resource");
		error.put("status", 401);
		error.put("title", "Not Authorized");
		return new Answer(401, Map.of("code", 401, "errors", List.of(error), "message", "Not Authorized"), null);
	}

	/**
	 * Forgets codes dead for an hour, at most once a minute of domain time: a sweep reads every code
	 * under the simulator's lock, and on every new code it made a sandbox taking hundreds of new
	 * pairings a second stall (each sweep grew with the codes the previous second issued).
	 */
	private void purgeDeadCodes() {
		Instant now = now();
		if (now.isBefore(this.nextPurge)) {
			return;
		}
		this.nextPurge = now.plus(Duration.ofMinutes(1));
		Instant horizon = now.minus(Duration.ofHours(1));
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

	/** How one client's tokens are issued: their lifetimes, and whether a refresh rotates the refresh token. */
	record Terms(Duration accessTokenLifetime, Duration refreshTokenLifetime, boolean rotateRefreshTokens) {
	}

	enum Decision {

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

		String accessToken;

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
