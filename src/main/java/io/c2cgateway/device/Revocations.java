package io.c2cgateway.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.ClientCredentials;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.FrameioProperties;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.system.DatabaseUnavailable;

/**
 * Revokes tokens at Frame.io (a revoked device's, those a later pairing replaced, those of a
 * pairing that could no longer take them): once right away where a request asked for it, then in
 * the background with capped exponential backoff until Frame.io confirms (DONE) or refuses (a 4xx
 * with its error code, other than 408 and 429: FAILED), or the tokens die by themselves (EXPIRED).
 * Jobs live in the database and are claimed with a lease, so one replica works on each and a
 * restart loses none. A token is destroyed as soon as Frame.io confirmed its revocation, and every
 * token of a job that ended.
 */
class Revocations {

	private static final Logger log = LoggerFactory.getLogger(Revocations.class);

	static final String TABLE = "device_revocation";

	private static final int BATCH = 8;

	private static final int MAX_ROUNDS = 50;

	private final String instanceId;

	private final RevocationStore store;

	private final SecretBox box;

	private final FrameioClient frameio;

	private final DeviceModelService models;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final TokenProperties properties;

	private final MeterRegistry meters;

	private final Duration leaseTtl;

	private final Parallel parallel;

	Revocations(String instanceId, RevocationStore store, SecretBox box, FrameioClient frameio, DeviceModelService models,
			AuditLog audit, TransactionTemplate tx, Clock clock, TokenProperties properties,
			FrameioProperties frameioProperties, MeterRegistry meters, Parallel parallel) {
		this.instanceId = instanceId;
		this.parallel = parallel;
		this.store = store;
		this.box = box;
		this.frameio = frameio;
		this.models = models;
		this.audit = audit;
		this.tx = tx;
		this.clock = clock;
		this.properties = properties;
		this.meters = meters;
		// Up to two upstream calls per job (refresh token, access token), each bounded by the client's timeout.
		this.leaseTtl = frameioProperties.timeout().plusSeconds(1).multipliedBy(2).plus(properties.refreshLeaseMargin());
	}

	/** Tries one job at once, if nobody else holds it. True when Frame.io confirmed all of it. */
	boolean attempt(UUID id) {
		String owner = owner();
		Optional<RevocationStore.RevocationRow> job = this.store.claimRevocation(id, owner, this.leaseTtl);
		return job.isPresent() && work(job.get(), owner, () -> true);
	}

	/**
	 * One round, also for tests that drive it by hand: claims every job due now (domain time) and
	 * works on them, a few at a time.
	 *
	 * @return the number of jobs worked on
	 */
	int runOnce() {
		return runOnce(() -> true);
	}

	/**
	 * As {@link #runOnce()}, claiming no further batch once {@code keepGoing} says stop. A job whose
	 * refresh token Frame.io confirmed revoked when {@code keepGoing} says stop is handed back before
	 * its second call: on shutdown, a batch in hand costs one upstream call, not two.
	 */
	int runOnce(BooleanSupplier keepGoing) {
		String owner = owner();
		int worked = 0;
		for (int round = 0; round < MAX_ROUNDS && keepGoing.getAsBoolean(); round++) {
			List<RevocationStore.RevocationRow> jobs = this.store.claimDueRevocations(owner, this.leaseTtl,
					this.clock.instant(), BATCH);
			this.parallel.run(jobs, (job) -> work(job, owner, keepGoing));
			worked += jobs.size();
			if (jobs.size() < BATCH) {
				break;
			}
		}
		return worked;
	}

	private boolean work(RevocationStore.RevocationRow job, String owner, BooleanSupplier keepGoing) {
		MDC.put("deviceId", job.deviceId());
		try {
			if (!keepGoing.getAsBoolean()) {
				handBack(job, owner);
				return false;
			}
			if (!this.clock.instant().isBefore(job.expiresAt())) {
				// Frame.io let the tokens die by themselves: there is nothing left to revoke, so nothing is sent.
				end(job, owner, RevocationStore.Outcome.EXPIRED, null);
				return false;
			}
			ClientCredentials client = new ClientCredentials(job.model(), job.deviceId(),
					this.models.upstreamSettings(job.model()).clientSecret(), job.clientVersion());
			if (job.sealedRefresh() != null) {
				Upstream<Boolean> answer = this.frameio
					.revoke(client, this.box.open(job.sealedRefresh(), TABLE, "refresh_token", job.id()))
					.block();
				if (!(answer instanceof Upstream.Ok<Boolean>)) {
					failed(job, owner, answer);
					return false;
				}
				this.store.revokedUpstream(job.id(), owner, true);
				if (job.sealedAccess() != null && !keepGoing.getAsBoolean()) {
					handBack(job, owner);
					return false;
				}
			}
			if (job.sealedAccess() != null) {
				Upstream<Boolean> answer = this.frameio
					.revoke(client, this.box.open(job.sealedAccess(), TABLE, "access_token", job.id()))
					.block();
				if (!(answer instanceof Upstream.Ok<Boolean>)) {
					failed(job, owner, answer);
					return false;
				}
			}
			end(job, owner, RevocationStore.Outcome.DONE, null);
			return true;
		}
		catch (RuntimeException ex) {
			log.atWarn()
				.setCause(DatabaseUnavailable.is(ex) ? null : ex)
				.log("Upstream revocation for device {} failed: {}", job.deviceId(), ex.getClass().getSimpleName());
			try {
				reschedule(job, owner, "internal_error", null);
			}
			catch (RuntimeException again) {
				// The lease runs out and another round picks the job up.
			}
			return false;
		}
		finally {
			MDC.remove("deviceId");
		}
	}

	/** Shutting down: the job stays due, free for the next round of any replica. */
	private void handBack(RevocationStore.RevocationRow job, String owner) {
		this.store.handBackRevocation(job.id(), owner);
		log.info("Upstream revocation for device {} handed back: shutting down", job.deviceId());
	}

	private void failed(RevocationStore.RevocationRow job, String owner, Upstream<Boolean> answer) {
		if (answer instanceof Upstream.Rejected<Boolean> rejected && refused(rejected)) {
			end(job, owner, RevocationStore.Outcome.FAILED, truncate(rejected.error()));
			return;
		}
		String error;
		Duration retryAfter = null;
		if (answer instanceof Upstream.Rejected<Boolean> rejected) {
			error = "rejected:" + rejected.error();
		}
		else if (answer instanceof Upstream.RateLimited<Boolean> limited) {
			error = "rate_limited";
			retryAfter = limited.retryAfter();
		}
		else if (answer instanceof Upstream.Unavailable<Boolean> unavailable) {
			error = unavailable.reason();
			retryAfter = unavailable.retryAfter();
		}
		else {
			error = "unknown";
		}
		Instant next = reschedule(job, owner, truncate(error), retryAfter);
		log.info("Upstream revocation for device {} failed ({}); next attempt at {}", job.deviceId(), error, next);
	}

	/**
	 * Frame.io's refusal ends the job: a 4xx with its OAuth or Frame.io error code. 408 and 429 ask
	 * to try again; a 4xx without an error of Frame.io's (a proxy's or CDN's page, a bare 404) may not
	 * come from Frame.io at all and is retried like a 5xx, which the tokens' life still bounds.
	 */
	private static boolean refused(Upstream.Rejected<Boolean> rejected) {
		int status = rejected.status();
		return status >= 400 && status < 500 && status != 408 && status != 429
				&& !Upstream.isStatusOnly(rejected.error());
	}

	/**
	 * Ends the job: its tokens are destroyed, and the end is audited (on the device, or on the
	 * pairing for discarded tokens), logged and counted. For a revoked device's own tokens,
	 * {@code device.upstream_revoked} waits for the last of its jobs.
	 */
	private void end(RevocationStore.RevocationRow job, String owner, RevocationStore.Outcome outcome, String error) {
		Instant at = this.clock.instant();
		boolean ended = Boolean.TRUE.equals(this.tx.execute((status) -> {
			if (!this.store.revocationEnded(job.id(), owner, at, outcome, error)) {
				return false;
			}
			boolean own = job.reason() == RevocationStore.Reason.DEVICE_REVOKED;
			if (outcome != RevocationStore.Outcome.DONE || !own || !this.store.revocationPending(job.deviceId())) {
				boolean onPairing = job.reason() == RevocationStore.Reason.DISCARDED && job.pairingId() != null;
				String subjectType = onPairing ? "pairing" : "device";
				int attempts = job.attempts() + ((outcome != RevocationStore.Outcome.EXPIRED) ? 1 : 0);
				this.audit.record(at, "revocation:" + this.instanceId, subjectType + "." + auditAction(job.reason(), outcome),
						subjectType, onPairing ? job.pairingId().toString() : job.deviceId(),
						"revocationId=" + job.id() + " deviceId=" + job.deviceId() + " reason=" + job.reason().column()
								+ " attempts=" + attempts + ((error != null) ? " error=" + error : ""));
			}
			return true;
		}));
		if (!ended) {
			// The lease ran out and another round took the job over: it ends there.
			return;
		}
		String tag = (outcome == RevocationStore.Outcome.DONE) ? "ok" : outcome.name().toLowerCase(Locale.ROOT);
		this.meters.counter("gateway.tokens.revocations", "outcome", tag).increment();
		switch (outcome) {
			case DONE -> log.info("Frame.io revoked the {} tokens of device {}", job.reason().column(), job.deviceId());
			case FAILED -> log.warn("Frame.io refused to revoke the {} tokens of device {} ({}); no further attempts",
					job.reason().column(), job.deviceId(), error);
			case EXPIRED -> log.warn("The {} tokens of device {} reached the end of their life before Frame.io "
					+ "confirmed their revocation; nothing left to revoke", job.reason().column(), job.deviceId());
		}
	}

	/** The audit action after the subject type: {@code device.upstream_revoked}, {@code device.superseded_revocation_failed}, ... */
	private static String auditAction(RevocationStore.Reason reason, RevocationStore.Outcome outcome) {
		String tokens = switch (reason) {
			case DEVICE_REVOKED -> "upstream";
			case SUPERSEDED -> "superseded";
			case DISCARDED -> "discarded";
		};
		return switch (outcome) {
			case DONE -> (reason == RevocationStore.Reason.DEVICE_REVOKED) ? "upstream_revoked" : tokens + "_tokens_revoked";
			case FAILED -> tokens + "_revocation_failed";
			case EXPIRED -> tokens + "_revocation_expired";
		};
	}

	private static String truncate(String error) {
		return (error.length() > 120) ? error.substring(0, 120) : error;
	}

	private Instant reschedule(RevocationStore.RevocationRow job, String owner, String error, Duration retryAfter) {
		Duration backoff = backoff(job.attempts());
		if (retryAfter != null && retryAfter.compareTo(backoff) > 0) {
			backoff = retryAfter;
		}
		Instant next = this.clock.instant().plus(backoff);
		if (next.isAfter(job.expiresAt())) {
			// The tokens die first: the job is due then, to end EXPIRED on time rather than a backoff later.
			next = job.expiresAt();
		}
		this.store.revocationFailed(job.id(), owner, next, error);
		this.meters.counter("gateway.tokens.revocations", "outcome", "retry").increment();
		return next;
	}

	/** base, 2 base, 4 base, ... never more than the cap. */
	Duration backoff(int failuresBefore) {
		Duration cap = this.properties.revocationBackoffCap();
		Duration wait = this.properties.revocationBackoffBase();
		for (int i = 0; i < failuresBefore && wait.compareTo(cap) < 0; i++) {
			wait = wait.multipliedBy(2);
		}
		return (wait.compareTo(cap) > 0) ? cap : wait;
	}

	private String owner() {
		return this.instanceId + "#revocation-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
	}

}
