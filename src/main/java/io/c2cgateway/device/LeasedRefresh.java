package io.c2cgateway.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.webhook.Outbox;
import io.c2cgateway.webhook.WebhookEvents;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.TokenRefresher.AccessToken;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.ClientCredentials;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.system.DatabaseUnavailable;

/**
 * One refresh by the holder of a device's refresh lease: the call to Frame.io, the single retry of
 * a stored refresh token whose earlier use has no known outcome, and what the row records
 * afterwards (the new pair, {@code REAUTH_REQUIRED}, or the failure waiting callers answer with).
 * Who holds the lease, and why, is {@link TokenRefresher}'s business.
 */
class LeasedRefresh {

	// Logged under TokenRefresher, as before the split: log filters and alerts key on that category.
	private static final Logger log = LoggerFactory.getLogger(TokenRefresher.class);

	/** Upstream failures after which the request may have reached Frame.io and spent the token. */
	private static final Set<String> UNANSWERED = Set.of("timeout", "connection_closed", "io_error");

	/** Frame.io's answers to a refresh token it will never take again (besides any 401). */
	private static final Set<String> DEAD_TOKEN_ERRORS = Set.of("invalid_request", "invalid_grant");

	/**
	 * How long before the lease's end (as this replica measures it) the holder stops trying to store
	 * a new pair. Once the lease has run out, another refresher may spend the stored refresh token,
	 * and then the device would have to be paired again; the margin leaves a last attempt time to
	 * end before that.
	 */
	private static final Duration WRITE_MARGIN = Duration.ofSeconds(2);

	private static final Duration FIRST_WRITE_PAUSE = Duration.ofMillis(50);

	private static final Duration LONGEST_WRITE_PAUSE = Duration.ofSeconds(1);

	private final DeviceStore store;

	private final RevocationStore revocationJobs;

	private final SecretBox box;

	private final FrameioClient frameio;

	private final DeviceModelService models;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final MeterRegistry meters;

	private final Duration leaseTtl;

	private final UnstoredRefreshes unstored;

	private final Outbox outbox;

	LeasedRefresh(DeviceStore store, RevocationStore revocationJobs, SecretBox box, FrameioClient frameio,
			DeviceModelService models, AuditLog audit, TransactionTemplate tx, Clock clock, MeterRegistry meters,
			Duration leaseTtl, UnstoredRefreshes unstored, Outbox outbox) {
		this.outbox = outbox;
		this.unstored = unstored;
		this.store = store;
		this.revocationJobs = revocationJobs;
		this.box = box;
		this.frameio = frameio;
		this.models = models;
		this.audit = audit;
		this.tx = tx;
		this.clock = clock;
		this.meters = meters;
		this.leaseTtl = leaseTtl;
	}

	/**
	 * One refresh while holding the lease. Returns the new access token, or null when the tokens
	 * changed hands meanwhile (re-paired or revoked), so the caller should look at the row again.
	 */
	AccessToken refresh(DeviceRow row, String owner, DeviceStore.Claim claim, String actor, String trigger) {
		String deviceId = row.deviceId();
		String previousOwner = claim.previousOwner();
		long leasedAt = claim.askedAtNanos();
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
				refreshToken = this.box.open(row.sealedRefreshToken(), TokenRefresher.TABLE, "refresh_token", deviceId);
			}
			catch (SecretBox.CryptoException ex) {
				// Says where and why, never what: the message names the column and key id only.
				log.error("Device {}: the stored refresh_token cannot be decrypted ({})", deviceId, ex.getMessage());
				this.store.releaseWithFailure(deviceId, owner, RefreshFailure.UNREADABLE, this.clock.instant());
				count(trigger, "tokens_unreadable");
				throw RefreshFailure.tokensUnreadable();
			}
			try {
				client = new ClientCredentials(row.model(), deviceId, this.models.upstreamSettings(row.model()).clientSecret(),
						row.clientVersion());
			}
			catch (RuntimeException ex) {
				// Handled here: waiting callers and keep-alive only hear internal_error, so the trace goes out now.
				log.error("Cannot refresh device {}", deviceId, ex);
				this.store.releaseWithFailure(deviceId, owner, RefreshFailure.INTERNAL, this.clock.instant());
				count(trigger, "internal_error");
				throw RefreshFailure.toException(RefreshFailure.INTERNAL);
			}
			if (unknown != null) {
				log.warn("Device {}: {}; retrying once with the stored refresh token", deviceId, unknown);
			}
			Upstream<TokenGrant> answer = call(client, refreshToken);
			if (unknown == null && (unanswered(answer) || Upstream.isUnusableAnswer(answer))) {
				// A success without usable tokens is no better than no answer: Frame.io may have spent the token.
				String reason = (answer instanceof Upstream.Unavailable<TokenGrant> unavailable) ? unavailable.reason()
						: Upstream.INVALID_TOKEN_RESPONSE;
				Instant at = this.clock.instant();
				this.store.markOutcomeUnknown(deviceId, row.version(), at);
				unknown = "a refresh sent at " + at + " was never answered with usable tokens (" + reason + ")";
				log.warn("Device {}: {}; retrying once with the stored refresh token", deviceId, unknown);
				long renewing = System.nanoTime();
				if (!this.store.renewLease(deviceId, owner, this.leaseTtl)) {
					count(trigger, "lease_lost");
					throw RefreshFailure.toException(RefreshFailure.of("upstream_unavailable", reason));
				}
				leasedAt = renewing;
				answer = call(client, refreshToken);
			}
			return settle(row, owner, leasedAt, answer, unknown, actor, trigger);
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

	private AccessToken settle(DeviceRow row, String owner, long leasedAt, Upstream<TokenGrant> answer, String unknown,
			String actor, String trigger) {
		String deviceId = row.deviceId();
		if (answer instanceof Upstream.Ok<TokenGrant> ok) {
			return store(row, owner, leasedAt, ok.value(), unknown, actor, trigger);
		}
		// invalid_client, at any status, blames the model's secret, not this device's tokens (contract 1.2).
		if (answer instanceof Upstream.Rejected<TokenGrant> rejected && !"invalid_client".equals(rejected.error())
				&& (rejected.status() == 401 || DEAD_TOKEN_ERRORS.contains(rejected.error()))) {
			String reason = "Frame.io rejected the refresh (" + shorten(rejected.error()) + ")"
					+ ((unknown != null) ? "; it was the single retry with the stored refresh token after " + unknown
							: "");
			boolean marked = Boolean.TRUE.equals(this.tx.execute((status) -> {
				if (!this.store.markReauthRequired(deviceId, row.version())) {
					return false;
				}
				Instant now = this.clock.instant();
				this.audit.record(now, actor, "device.reauth_required", "device", deviceId, reason);
				this.outbox.publish(WebhookEvents.DEVICE_REAUTH_REQUIRED, "device", deviceId, now);
				return true;
			}));
			if (!marked) {
				this.store.release(deviceId, owner);
				return null;
			}
			count(trigger, "reauth_required");
			log.warn("Device {} must be paired again: {}", deviceId, reason);
			throw RefreshFailure.reauthorizationRequired();
		}
		if (unknown != null || unanswered(answer) || Upstream.isUnusableAnswer(answer)) {
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

	/**
	 * Writes the new pair. Frame.io has already spent the stored refresh token, so a write the
	 * database refuses is tried again, with growing pauses, for as long as the lease keeps other
	 * refreshers off the row (less {@link #WRITE_MARGIN}). An attempt is not cut short: one that
	 * waits on the row's lock keeps every other refresher waiting too, since taking the lease needs
	 * that lock, and may still store the pair. A pair that still could not be written is lost: the
	 * lease is left to run out, so the next refresher knows the outcome is unknown and retries the
	 * stored token once.
	 */
	private AccessToken store(DeviceRow row, String owner, long leasedAt, TokenGrant grant, String unknown,
			String actor, String trigger) {
		String deviceId = row.deviceId();
		Instant at = this.clock.instant();
		Instant accessExpiresAt = at.plusSeconds(grant.expiresInSeconds());
		String sealedAccess = this.box.seal(grant.accessToken(), TokenRefresher.TABLE, "access_token", deviceId);
		// No new refresh token in the answer: the current one stays in force, with its own life.
		boolean rotated = grant.refreshToken() != null;
		String sealedRefresh = rotated ? this.box.seal(grant.refreshToken(), TokenRefresher.TABLE, "refresh_token", deviceId)
				: row.sealedRefreshToken();
		Refresh refresh = new Refresh(sealedRefresh, rotated ? at : row.refreshTokenIssuedAt(),
				rotated ? at.plus(DeviceCustody.refreshTokenLife(grant)) : row.refreshTokenExpiresAt(), rotated,
				rotated ? DeviceCustody.refreshHalfLifeAt(grant, at) : null);
		String detail = "trigger=" + trigger + ((unknown != null) ? " afterUnknownOutcome=true" : "");
		long deadline = leasedAt + this.leaseTtl.minus(WRITE_MARGIN).toNanos();
		Duration pause = FIRST_WRITE_PAUSE;
		boolean stored;
		for (int attempt = 1;; attempt++) {
			try {
				stored = writePair(row, sealedAccess, accessExpiresAt, refresh, at, actor, detail);
				if (attempt > 1) {
					log.info("Stored the refreshed tokens of device {} at attempt {}", deviceId, attempt);
				}
				break;
			}
			catch (DataAccessException | TransactionException ex) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					throw keepForLater(row, owner, grant, at, actor, trigger, attempt, ex,
							() -> writeLate(row, owner, grant, sealedAccess, accessExpiresAt, refresh, at, actor, detail));
				}
				if (attempt == 1) {
					log.warn("Storing the refreshed tokens of device {} failed ({}); retrying for up to {} ms", deviceId,
							ex.getClass().getSimpleName(), left / 1_000_000);
				}
				TokenRefresher.pause(Duration.ofNanos(Math.min(pause.toNanos(), left)));
				pause = pause.multipliedBy(2);
				if (pause.compareTo(LONGEST_WRITE_PAUSE) > 0) {
					pause = LONGEST_WRITE_PAUSE;
				}
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

	/** The new pair and its audit event, fenced by the version the refresh started from. */
	private boolean writePair(DeviceRow row, String sealedAccess, Instant accessExpiresAt, Refresh refresh, Instant at,
			String actor, String detail) {
		return Boolean.TRUE.equals(this.tx.execute((status) -> {
			if (!this.store.storeRefreshed(row.deviceId(), row.version(), sealedAccess, accessExpiresAt, refresh.sealed(),
					refresh.issuedAt(), refresh.expiresAt(), refresh.rotated(), refresh.halfLifeAt(), at)) {
				return false;
			}
			this.audit.record(at, actor, "device.tokens_refreshed", "device", row.deviceId(), detail);
			return true;
		}));
	}

	private void writeLate(DeviceRow row, String owner, TokenGrant grant, String sealedAccess, Instant accessExpiresAt,
			Refresh refresh, Instant at, String actor, String detail) {
		if (!writePair(row, sealedAccess, accessExpiresAt, refresh, at, actor, detail + " stored=late")) {
			orphaned(row, owner, grant, at, actor);
		}
	}

	/**
	 * The lease is about to end with the pair unstored. Frame.io spent the stored refresh token, so
	 * the pair is kept in memory and written when the database takes it. The caller hears 503 while
	 * the database is unreachable, 500 when it refused the write for another reason.
	 */
	private RuntimeException keepForLater(DeviceRow row, String owner, TokenGrant grant, Instant at, String actor,
			String trigger, int attempts, RuntimeException cause, UnstoredRefreshes.Write write) {
		String deviceId = row.deviceId();
		if (!this.unstored.keep(deviceId, write)) {
			count(trigger, "write_failed");
			log.error("Could not store the refreshed tokens of device {} in {} attempts before its refresh lease ends, "
					+ "and too many are kept already: {}", deviceId, attempts, cause.getClass().getSimpleName());
			return RefreshFailure.toException(RefreshFailure.INTERNAL);
		}
		count(trigger, "write_deferred");
		log.warn("Could not store the refreshed tokens of device {} in {} attempts before its refresh lease ends ({}); "
				+ "kept in memory until the database takes them", deviceId, attempts, cause.getClass().getSimpleName());
		if (!DatabaseUnavailable.is(cause)) {
			return RefreshFailure.toException(RefreshFailure.INTERNAL);
		}
		return DatabaseUnavailable.refusal(
				"The gateway's database is unavailable; the device's new tokens are kept and stored when it is back");
	}

	/**
	 * New tokens whose row moved on during the call. A revoked device's tokens are handed to the
	 * revocation retry, so they die at Frame.io too, and so are those of a pairing a later one
	 * replaced meanwhile.
	 */
	private void orphaned(DeviceRow row, String owner, TokenGrant grant, Instant at, String actor) {
		String deviceId = row.deviceId();
		this.store.release(deviceId, owner);
		DeviceRow now = this.store.find(deviceId).orElse(null);
		if (now != null && DeviceRow.REVOKED.equals(now.state()) && grant.refreshToken() == null) {
			// The refresh token did not rotate: the device's own revocation covers it; the access token runs out.
			log.info("Device {} was revoked during a refresh that rotated no refresh token", deviceId);
			return;
		}
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
		if (now != null && !Objects.equals(now.lastPairingId(), row.lastPairingId())) {
			// Frame.io rotated the replaced pairing's tokens: the new pair is theirs and dies at Frame.io like them.
			UUID job = UUID.randomUUID();
			Instant deadBy = (grant.refreshToken() != null) ? at.plus(DeviceCustody.REFRESH_TOKEN_LIFE)
					: at.plusSeconds(grant.expiresInSeconds());
			this.tx.executeWithoutResult((status) -> {
				this.revocationJobs.insertRevocation(job, deviceId, row.model(), row.clientVersion(),
						(grant.refreshToken() != null)
								? this.box.seal(grant.refreshToken(), Revocations.TABLE, "refresh_token", job) : null,
						this.box.seal(grant.accessToken(), Revocations.TABLE, "access_token", job), at,
						RevocationStore.Reason.SUPERSEDED, row.lastPairingId(), deadBy);
				this.audit.record(at, actor, "device.tokens_superseded", "device", deviceId, "pairingId="
						+ row.lastPairingId() + " revocationId=" + job + " reason=refreshed_during_pairing");
			});
			log.info("Device {} was paired again during a refresh; the refreshed tokens are queued for revocation",
					deviceId);
			return;
		}
		log.info("Device {} changed hands during a refresh; the refreshed tokens are dropped", deviceId);
	}

	private static boolean unanswered(Upstream<TokenGrant> answer) {
		return answer instanceof Upstream.Unavailable<TokenGrant> unavailable && UNANSWERED.contains(unavailable.reason());
	}

	private Upstream<TokenGrant> call(ClientCredentials client, Secret refreshToken) {
		Upstream<TokenGrant> answer = this.frameio.refresh(client, refreshToken).block();
		if (Upstream.isUnusableAnswer(answer)) {
			log.error("Frame.io answered a refresh of device {} with success but without a usable access token ({}); "
					+ "the refresh token sent may be spent", client.clientId(), Upstream.INVALID_TOKEN_RESPONSE);
		}
		return (answer != null) ? answer : new Upstream.Unavailable<>("internal_error", null);
	}

	private void count(String trigger, String outcome) {
		this.meters.counter("gateway.tokens.refreshes", "trigger", trigger, "outcome", outcome).increment();
	}

	private static String shorten(String error) {
		return (error == null) ? "unknown" : (error.length() > 64) ? error.substring(0, 64) : error;
	}

	/**
	 * The refresh token to store with a new access token: a rotated one, or the current one kept. Its
	 * lifetimes travel with it, also into a pair kept for later by {@link UnstoredRefreshes}.
	 */
	private record Refresh(String sealed, Instant issuedAt, Instant expiresAt, boolean rotated, Instant halfLifeAt) {
	}

}
