package io.c2cgateway.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.ClientCredentials;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.FrameioProperties;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.system.ApiException;
import io.c2cgateway.system.InstanceIdentity;

/**
 * The one path by which a device's tokens are refreshed, for API callers and keep-alive alike.
 *
 * <p>
 * Frame.io's refresh tokens rotate and are single-use, so at most one refresh per device may be in
 * flight across all replicas. A short lease on the device row, taken by a conditional update judged
 * by the database's {@code now()}, decides who calls Frame.io; everyone else polls the row until the
 * new pair is there (or the lease holder wrote down why there is none) and answers with that. No
 * transaction is open during the upstream call. The new pair is written in one statement fenced by
 * the row's version.
 *
 * <p>
 * A refresh whose outcome is unknown (sent, never answered; or its holder died before writing) may
 * have spent the stored refresh token. It is retried once with the stored token: if Frame.io takes
 * it, nothing was lost; if Frame.io rejects it, the chain is broken for good and the device becomes
 * {@code REAUTH_REQUIRED}, with an audit event that says so.
 */
@Component
class TokenRefresher {

	private static final Logger log = LoggerFactory.getLogger(TokenRefresher.class);

	static final String TABLE = "device";

	/** How often a caller waiting on another's refresh looks at the row. */
	private static final Duration WAIT_POLL = Duration.ofMillis(50);

	/** Upstream failures after which the request may have reached Frame.io and spent the token. */
	private static final Set<String> UNANSWERED = Set.of("timeout", "connection_closed", "io_error");

	/** Frame.io's answers to a refresh token it will never take again (besides any 401). */
	private static final Set<String> DEAD_TOKEN_ERRORS = Set.of("invalid_request", "invalid_grant");

	private static final int WRITE_ATTEMPTS = 3;

	private final DeviceStore store;

	private final RevocationStore revocationJobs;

	private final SecretBox box;

	private final FrameioClient frameio;

	private final DeviceModelService models;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final TokenProperties properties;

	private final MeterRegistry meters;

	private final String instanceId;

	private final Duration leaseTtl;

	private final Duration waitLimit;

	TokenRefresher(DeviceStore store, RevocationStore revocationJobs, SecretBox box, FrameioClient frameio,
			DeviceModelService models, AuditLog audit, PlatformTransactionManager transactions, Clock clock,
			TokenProperties properties, FrameioProperties frameioProperties, InstanceIdentity identity,
			MeterRegistry meters) {
		this.store = store;
		this.revocationJobs = revocationJobs;
		this.box = box;
		this.frameio = frameio;
		this.models = models;
		this.audit = audit;
		this.tx = new TransactionTemplate(transactions);
		this.clock = clock;
		this.properties = properties;
		this.meters = meters;
		this.instanceId = identity.id();
		// The client gives up one second after its response timeout; the lease must outlive that and the write.
		this.leaseTtl = frameioProperties.timeout().plusSeconds(1).plus(properties.refreshLeaseMargin());
		this.waitLimit = this.leaseTtl.plusSeconds(2);
	}

	Duration leaseTtl() {
		return this.leaseTtl;
	}

	/** A name for one lease: this replica plus a random part, so no two attempts share a fence. */
	String newOwner(String purpose) {
		return this.instanceId + "#" + purpose + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
	}

	/**
	 * An access token with at least {@code min-validity} left, refreshing upstream only when the
	 * stored one has less. Callers that find a refresh under way wait for its result.
	 */
	AccessToken validToken(String deviceId, String actor) {
		long deadline = System.nanoTime() + this.waitLimit.toNanos();
		Set<String> waitedOn = new HashSet<>();
		Long firstVersion = null;
		while (true) {
			DeviceRow row = this.store.find(deviceId).orElseThrow(() -> ApiException.notFound("Device"));
			requireUsable(row);
			if (firstVersion == null) {
				firstVersion = row.version();
			}
			Instant now = this.clock.instant();
			// Tokens that changed hands while we waited are the result we waited for, even if a short-lived one.
			if (fresh(row, now) || (row.version() != firstVersion && alive(row, now))) {
				return handOut(row);
			}
			if (!row.leaseLive()) {
				if (row.leaseOwner() == null && row.refreshFailedBy() != null && waitedOn.contains(row.refreshFailedBy())) {
					throw RefreshFailure.toException(row.refreshFailure());
				}
				String owner = newOwner("refresh");
				Optional<DeviceStore.Claim> claim = this.store.acquireLease(deviceId, row.version(), owner, this.leaseTtl);
				if (claim.isPresent()) {
					AccessToken token = refreshHolding(row, owner, claim.get().previousOwner(), actor, "access-token");
					if (token != null) {
						return token;
					}
					continue;
				}
			}
			else {
				waitedOn.add(row.leaseOwner());
			}
			if (System.nanoTime() > deadline) {
				throw new ApiException(HttpStatus.GATEWAY_TIMEOUT, "upstream_unavailable",
						"A refresh of this device's tokens did not finish in time");
			}
			pause();
		}
	}

	/**
	 * Refreshes a device keep-alive has leased. Never throws: the outcome is logged and counted.
	 *
	 * @return the outcome, {@code ok} or a problem code
	 */
	String refreshClaimed(DeviceStore.Claim claim, String owner, String actor) {
		MDC.put("deviceId", claim.deviceId());
		try {
			DeviceRow row = this.store.find(claim.deviceId()).orElse(null);
			if (row == null || row.version() != claim.version() || !DeviceRow.PAIRED.equals(row.state())) {
				this.store.release(claim.deviceId(), owner);
				return "skipped";
			}
			refreshHolding(row, owner, claim.previousOwner(), actor, "keep-alive");
			return "ok";
		}
		catch (ApiException ex) {
			log.info("Keep-alive of device {} did not refresh: {}", claim.deviceId(), ex.code());
			return ex.code();
		}
		catch (RuntimeException ex) {
			log.warn("Keep-alive of device {} failed: {}", claim.deviceId(), ex.getClass().getSimpleName());
			log.debug("Keep-alive failure", ex);
			return "internal_error";
		}
		finally {
			MDC.remove("deviceId");
		}
	}

	/**
	 * One refresh while holding the lease. Returns the new access token, or null when the tokens
	 * changed hands meanwhile (re-paired or revoked), so the caller should look at the row again.
	 */
	private AccessToken refreshHolding(DeviceRow row, String owner, String previousOwner, String actor, String trigger) {
		String deviceId = row.deviceId();
		String previousMDC = MDC.get("deviceId");
		MDC.put("deviceId", deviceId);
		try {
			String unknown = null;
			if (previousOwner != null) {
				unknown = "the refresh by " + previousOwner + " ended without a result";
			}
			else if (row.refreshUnknownSince() != null) {
				unknown = "a refresh at " + row.refreshUnknownSince() + " ended without a known result";
			}
			ClientCredentials client;
			Secret refreshToken;
			try {
				client = new ClientCredentials(deviceId, this.models.upstreamSettings(row.model()).clientSecret(),
						row.clientVersion());
				refreshToken = this.box.open(row.sealedRefreshToken(), TABLE, "refresh_token", deviceId);
			}
			catch (RuntimeException ex) {
				log.error("Cannot refresh device {}: {}", deviceId, ex.getClass().getSimpleName());
				this.store.releaseWithFailure(deviceId, owner, RefreshFailure.INTERNAL, this.clock.instant());
				count(trigger, "internal_error");
				throw RefreshFailure.toException(RefreshFailure.INTERNAL);
			}
			if (unknown != null) {
				log.warn("Device {}: {}; retrying once with the stored refresh token", deviceId, unknown);
			}
			Upstream<TokenGrant> answer = call(client, refreshToken);
			if (unknown == null && unanswered(answer)) {
				String reason = ((Upstream.Unavailable<TokenGrant>) answer).reason();
				Instant at = this.clock.instant();
				this.store.markOutcomeUnknown(deviceId, row.version(), at);
				unknown = "a refresh sent at " + at + " was never answered (" + reason + ")";
				log.warn("Device {}: {}; retrying once with the stored refresh token", deviceId, unknown);
				if (!this.store.renewLease(deviceId, owner, this.leaseTtl)) {
					count(trigger, "lease_lost");
					throw RefreshFailure.toException(RefreshFailure.of("upstream_unavailable", reason));
				}
				answer = call(client, refreshToken);
			}
			return settle(row, owner, answer, unknown, actor, trigger);
		}
		finally {
			if (previousMDC != null) {
				MDC.put("deviceId", previousMDC);
			}
			else {
				MDC.remove("deviceId");
			}
		}
	}

	private AccessToken settle(DeviceRow row, String owner, Upstream<TokenGrant> answer, String unknown, String actor,
			String trigger) {
		String deviceId = row.deviceId();
		if (answer instanceof Upstream.Ok<TokenGrant> ok) {
			return store(row, owner, ok.value(), unknown, actor, trigger);
		}
		if (answer instanceof Upstream.Rejected<TokenGrant> rejected
				&& (rejected.status() == 401 || DEAD_TOKEN_ERRORS.contains(rejected.error()))) {
			String reason = "Frame.io rejected the refresh (" + shorten(rejected.error()) + ")"
					+ ((unknown != null) ? "; it was the single retry with the stored refresh token after " + unknown
							: "");
			boolean marked = Boolean.TRUE.equals(this.tx.execute((status) -> {
				if (!this.store.markReauthRequired(deviceId, row.version())) {
					return false;
				}
				this.audit.record(this.clock.instant(), actor, "device.reauth_required", "device", deviceId, reason);
				return true;
			}));
			if (!marked) {
				this.store.release(deviceId, owner);
				return null;
			}
			count(trigger, "reauth_required");
			log.warn("Device {} must be paired again: {}", deviceId, reason);
			throw reauthorizationRequired();
		}
		if (unknown != null || unanswered(answer)) {
			// Still in doubt whether the stored token is spent: the next refresh must know it is the retry.
			this.store.markOutcomeUnknown(deviceId, row.version(), this.clock.instant());
		}
		String failure;
		if (answer instanceof Upstream.Rejected<TokenGrant> rejected) {
			failure = RefreshFailure.of("upstream_error", shorten(rejected.error()));
		}
		else if (answer instanceof Upstream.RateLimited<TokenGrant> limited) {
			long seconds = (limited.retryAfter() != null) ? Math.max(1, limited.retryAfter().toSeconds()) : 1;
			failure = RefreshFailure.of("upstream_rate_limited", Long.toString(seconds));
		}
		else {
			String reason = (answer instanceof Upstream.Unavailable<TokenGrant> unavailable) ? unavailable.reason()
					: "unknown";
			failure = RefreshFailure.of("upstream_unavailable", reason);
		}
		this.store.releaseWithFailure(deviceId, owner, failure, this.clock.instant());
		count(trigger, RefreshFailure.code(failure));
		log.info("Refresh of device {} failed: {}", deviceId, failure);
		throw RefreshFailure.toException(failure);
	}

	private AccessToken store(DeviceRow row, String owner, TokenGrant grant, String unknown, String actor,
			String trigger) {
		String deviceId = row.deviceId();
		Instant at = this.clock.instant();
		Instant accessExpiresAt = at.plusSeconds(grant.expiresInSeconds());
		String sealedAccess = this.box.seal(grant.accessToken(), TABLE, "access_token", deviceId);
		String sealedRefresh = this.box.seal(grant.refreshToken(), TABLE, "refresh_token", deviceId);
		String detail = "trigger=" + trigger + ((unknown != null) ? " afterUnknownOutcome=true" : "");
		boolean stored = false;
		for (int attempt = 1;; attempt++) {
			try {
				stored = Boolean.TRUE.equals(this.tx.execute((status) -> {
					if (!this.store.storeRefreshed(deviceId, row.version(), sealedAccess, accessExpiresAt, sealedRefresh,
							at, at.plus(DeviceCustody.REFRESH_TOKEN_LIFE))) {
						return false;
					}
					this.audit.record(at, actor, "device.tokens_refreshed", "device", deviceId, detail);
					return true;
				}));
				break;
			}
			catch (DataAccessException | TransactionException ex) {
				if (attempt >= WRITE_ATTEMPTS) {
					// The new pair is lost and the stored refresh token is spent. The lease is left to run out, so
					// the next refresher knows the outcome is unknown and retries the stored token once.
					count(trigger, "write_failed");
					log.error("Could not store the refreshed tokens of device {}: {}", deviceId,
							ex.getClass().getSimpleName());
					throw RefreshFailure.toException(RefreshFailure.INTERNAL);
				}
				pause(Duration.ofMillis(100L * attempt));
			}
		}
		if (!stored) {
			orphaned(row, owner, grant, at, actor);
			return null;
		}
		count(trigger, "ok");
		log.info("Refreshed the tokens of device {} ({})", deviceId, trigger);
		return new AccessToken(grant.accessToken(), accessExpiresAt);
	}

	/**
	 * New tokens whose row moved on during the call. A revoked device's tokens are handed to the
	 * revocation retry, so they die at Frame.io too; those of a superseded pairing are dropped.
	 */
	private void orphaned(DeviceRow row, String owner, TokenGrant grant, Instant at, String actor) {
		String deviceId = row.deviceId();
		this.store.release(deviceId, owner);
		DeviceRow now = this.store.find(deviceId).orElse(null);
		if (now != null && DeviceRow.REVOKED.equals(now.state())) {
			UUID job = UUID.randomUUID();
			this.tx.executeWithoutResult((status) -> {
				this.revocationJobs.insertRevocation(job, deviceId, row.model(), row.clientVersion(),
						this.box.seal(grant.refreshToken(), Revocations.TABLE, "refresh_token", job),
						this.box.seal(grant.accessToken(), Revocations.TABLE, "access_token", job), at);
				this.audit.record(at, actor, "device.revocation_queued", "device", deviceId,
						"revocationId=" + job + " reason=refreshed_during_revocation");
			});
			log.info("Device {} was revoked during a refresh; its new tokens are queued for revocation", deviceId);
			return;
		}
		log.info("Device {} was paired again during a refresh; the refreshed tokens are dropped", deviceId);
	}

	private static boolean unanswered(Upstream<TokenGrant> answer) {
		return answer instanceof Upstream.Unavailable<TokenGrant> unavailable && UNANSWERED.contains(unavailable.reason());
	}

	private Upstream<TokenGrant> call(ClientCredentials client, Secret refreshToken) {
		Upstream<TokenGrant> answer = this.frameio.refresh(client, refreshToken).block();
		return (answer != null) ? answer : new Upstream.Unavailable<>("internal_error", null);
	}

	private AccessToken handOut(DeviceRow row) {
		return new AccessToken(this.box.open(row.sealedAccessToken(), TABLE, "access_token", row.deviceId()),
				row.accessTokenExpiresAt());
	}

	private boolean fresh(DeviceRow row, Instant now) {
		return row.sealedAccessToken() != null && row.accessTokenExpiresAt() != null
				&& !row.accessTokenExpiresAt().isBefore(now.plus(this.properties.minValidity()));
	}

	private static boolean alive(DeviceRow row, Instant now) {
		return row.sealedAccessToken() != null && row.accessTokenExpiresAt() != null
				&& row.accessTokenExpiresAt().isAfter(now);
	}

	static void requireUsable(DeviceRow row) {
		if (DeviceRow.REVOKED.equals(row.state())) {
			throw ApiException.conflict("device_revoked", "The device is revoked");
		}
		if (DeviceRow.REAUTH_REQUIRED.equals(row.state()) || row.sealedRefreshToken() == null) {
			throw reauthorizationRequired();
		}
	}

	private static ApiException reauthorizationRequired() {
		return ApiException.conflict("reauthorization_required",
				"Frame.io no longer accepts this device's refresh token; pair the device again");
	}

	private void count(String trigger, String outcome) {
		this.meters.counter("gateway.tokens.refreshes", "trigger", trigger, "outcome", outcome).increment();
	}

	private static String shorten(String error) {
		return (error == null) ? "unknown" : (error.length() > 64) ? error.substring(0, 64) : error;
	}

	private static void pause() {
		pause(WAIT_POLL);
	}

	private static void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "shutting_down", "The gateway is shutting down");
		}
	}

	/** An access token to hand out; only its expiry shows in logs. */
	record AccessToken(Secret token, Instant expiresAt) {
	}

	/**
	 * Why a refresh ended without tokens, as written to the row for the callers who waited on it:
	 * {@code code|detail}.
	 */
	static final class RefreshFailure {

		static final String INTERNAL = "internal_error|";

		private RefreshFailure() {
		}

		static String of(String code, String detail) {
			return code + "|" + detail;
		}

		static String code(String failure) {
			int bar = failure.indexOf('|');
			return (bar < 0) ? failure : failure.substring(0, bar);
		}

		static ApiException toException(String failure) {
			String stored = (failure != null) ? failure : INTERNAL;
			String code = code(stored);
			String detail = stored.substring(Math.min(stored.length(), code.length() + 1));
			switch (code) {
				case "upstream_rate_limited":
					long seconds;
					try {
						seconds = Long.parseLong(detail);
					}
					catch (NumberFormatException ex) {
						seconds = 1;
					}
					return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "upstream_rate_limited",
							"Frame.io is rate limiting token refreshes", Map.of(), Duration.ofSeconds(seconds));
				case "upstream_error":
					return new ApiException(HttpStatus.BAD_GATEWAY, "upstream_error", "Frame.io refused the refresh",
							Map.of("upstreamError", detail), null);
				case "upstream_unavailable":
					return new ApiException(HttpStatus.GATEWAY_TIMEOUT, "upstream_unavailable",
							"Frame.io did not answer the refresh (" + detail + ")");
				default:
					return new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
							"The gateway failed to refresh the device's tokens");
			}
		}

	}

}
