package io.c2cgateway.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.webhook.Outbox;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.FrameioProperties;
import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.DatabaseUnavailable;
import io.c2cgateway.system.DomainException;
import io.c2cgateway.system.InstanceIdentity;
import io.c2cgateway.system.NotFound;
import io.c2cgateway.system.TemporarilyUnavailable;
import io.c2cgateway.system.UpstreamUnavailable;

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
 * {@code REAUTH_REQUIRED}, with an audit event that says so. {@link LeasedRefresh} does the
 * refresh, that retry included, once the lease is held.
 */
@Component
class TokenRefresher {

	private static final Logger log = LoggerFactory.getLogger(TokenRefresher.class);

	static final String TABLE = "device";

	/** How often a caller waiting on another's refresh looks at the row. */
	private static final Duration WAIT_POLL = Duration.ofMillis(50);

	private final DeviceStore store;

	private final LeasedRefresh leased;

	private final SecretBox box;

	private final Clock clock;

	private final TokenProperties properties;

	private final String instanceId;

	private final Duration leaseTtl;

	private final Duration waitLimit;

	private final UnstoredRefreshes unstored;

	TokenRefresher(DeviceStore store, RevocationStore revocationJobs, SecretBox box, FrameioClient frameio,
			DeviceModelService models, AuditLog audit, PlatformTransactionManager transactions, Clock clock,
			TokenProperties properties, FrameioProperties frameioProperties, InstanceIdentity identity,
			MeterRegistry meters, UnstoredRefreshes unstored, Outbox outbox) {
		this.store = store;
		this.unstored = unstored;
		this.box = box;
		this.clock = clock;
		this.properties = properties;
		this.instanceId = identity.id();
		// The client gives up one second after its response timeout; the lease must outlive that and the write.
		this.leaseTtl = frameioProperties.timeout().plusSeconds(1).plus(properties.refreshLeaseMargin());
		this.waitLimit = this.leaseTtl.plusSeconds(2);
		this.leased = new LeasedRefresh(store, revocationJobs, box, frameio, models, audit,
				new TransactionTemplate(transactions), clock, meters, this.leaseTtl, unstored, outbox);
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
		// A pair this replica could not store yet replaces the stored one: store it before anything reads the row.
		this.unstored.writeNow(deviceId);
		long deadline = System.nanoTime() + this.waitLimit.toNanos();
		Set<String> waitedOn = new HashSet<>();
		Long firstVersion = null;
		while (true) {
			DeviceRow row = this.store.find(deviceId).orElseThrow(() -> new NotFound("Device"));
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
					AccessToken token = this.leased.refresh(row, owner, claim.get(), actor, "access-token");
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
				throw new UpstreamUnavailable("A refresh of this device's tokens did not finish in time");
			}
			pause();
		}
	}

	/**
	 * Refreshes a device keep-alive has leased. Never throws: the outcome is logged and counted. A
	 * refresh that ends without tokens says why with a {@link DomainException}, whose code is the
	 * outcome; anything else is a bug or an outage.
	 *
	 * @return the outcome: {@code ok}, {@code skipped} or the code of the refusal
	 */
	String refreshClaimed(DeviceStore.Claim claim, String owner, String actor) {
		MDC.put("deviceId", claim.deviceId());
		try {
			this.unstored.writeNow(claim.deviceId());
			DeviceRow row = this.store.find(claim.deviceId()).orElse(null);
			if (row == null || row.version() != claim.version() || !DeviceRow.PAIRED.equals(row.state())) {
				this.store.release(claim.deviceId(), owner);
				return "skipped";
			}
			this.leased.refresh(row, owner, claim, actor, "keep-alive");
			return "ok";
		}
		catch (DomainException ex) {
			log.info("Keep-alive of device {} did not refresh: {}", claim.deviceId(), ex.code());
			return ex.code();
		}
		catch (RuntimeException ex) {
			if (DatabaseUnavailable.is(ex)) {
				// An outage, not a bug: every device of the round would print the same trace.
				log.warn("Keep-alive of device {} failed: the database is unavailable ({})", claim.deviceId(),
						ex.getClass().getSimpleName());
			}
			else {
				log.warn("Keep-alive of device {} failed", claim.deviceId(), ex);
			}
			return "internal_error";
		}
		finally {
			MDC.remove("deviceId");
		}
	}

	private AccessToken handOut(DeviceRow row) {
		Secret token;
		try {
			token = this.box.open(row.sealedAccessToken(), TABLE, "access_token", row.deviceId());
		}
		catch (SecretBox.CryptoException ex) {
			// Says where and why, never what: the message names the column and key id only.
			log.error("Device {}: the stored access_token cannot be decrypted ({})", row.deviceId(), ex.getMessage());
			throw RefreshFailure.tokensUnreadable();
		}
		return new AccessToken(token, row.accessTokenExpiresAt());
	}

	/**
	 * Whether the stored access token has {@code min-validity} left; one that Frame.io issued for
	 * less (contract 1.2: handed out with its real expiry) needs half of its own life left, else
	 * every call would refresh it again, each refresh spending a refresh token for the same short life.
	 */
	private boolean fresh(DeviceRow row, Instant now) {
		if (row.sealedAccessToken() == null || row.accessTokenExpiresAt() == null) {
			return false;
		}
		Duration needed = this.properties.minValidity();
		// The access token came with the last refresh, or with the authorization.
		Instant issuedAt = (row.lastRefreshAt() != null) ? row.lastRefreshAt() : row.pairedAt();
		if (issuedAt != null) {
			Duration life = Duration.between(issuedAt, row.accessTokenExpiresAt());
			if (life.compareTo(needed) < 0) {
				needed = life.dividedBy(2);
			}
		}
		return !row.accessTokenExpiresAt().isBefore(now.plus(needed));
	}

	private static boolean alive(DeviceRow row, Instant now) {
		return row.sealedAccessToken() != null && row.accessTokenExpiresAt() != null
				&& row.accessTokenExpiresAt().isAfter(now);
	}

	static void requireUsable(DeviceRow row) {
		if (DeviceRow.REVOKED.equals(row.state())) {
			throw new Conflict("device_revoked", "The device is revoked");
		}
		if (DeviceRow.REAUTH_REQUIRED.equals(row.state()) || row.sealedRefreshToken() == null) {
			throw RefreshFailure.reauthorizationRequired();
		}
	}

	private static void pause() {
		pause(WAIT_POLL);
	}

	static void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new TemporarilyUnavailable("shutting_down", "The gateway is shutting down", null);
		}
	}

	/** An access token to hand out; only its expiry shows in logs. */
	record AccessToken(Secret token, Instant expiresAt) {
	}

}
