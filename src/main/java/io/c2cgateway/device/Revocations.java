package io.c2cgateway.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

/**
 * Revokes a revoked device's tokens at Frame.io: once right after the revoke request, then in the
 * background with capped exponential backoff until Frame.io confirms. Jobs live in the database and
 * are claimed with a lease, so one replica works on each and a restart loses none. A token is
 * destroyed as soon as Frame.io confirmed its revocation.
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

	Revocations(String instanceId, RevocationStore store, SecretBox box, FrameioClient frameio, DeviceModelService models,
			AuditLog audit, TransactionTemplate tx, Clock clock, TokenProperties properties,
			FrameioProperties frameioProperties, MeterRegistry meters) {
		this.instanceId = instanceId;
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
			Parallel.run(jobs, "revocation", (job) -> work(job, owner, keepGoing));
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
			Instant at = this.clock.instant();
			this.tx.executeWithoutResult((status) -> {
				if (this.store.revocationDone(job.id(), owner, at) && !this.store.revocationPending(job.deviceId())) {
					this.audit.record(at, "revocation:" + this.instanceId, "device.upstream_revoked", "device",
							job.deviceId(), "revocationId=" + job.id() + " attempts=" + (job.attempts() + 1));
				}
			});
			this.meters.counter("gateway.tokens.revocations", "outcome", "ok").increment();
			log.info("Frame.io revoked the tokens of device {}", job.deviceId());
			return true;
		}
		catch (RuntimeException ex) {
			log.warn("Upstream revocation for device {} failed: {}", job.deviceId(), ex.getClass().getSimpleName());
			log.debug("Upstream revocation failure", ex);
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
		Instant next = reschedule(job, owner, (error.length() > 120) ? error.substring(0, 120) : error, retryAfter);
		log.info("Upstream revocation for device {} failed ({}); next attempt at {}", job.deviceId(), error, next);
	}

	private Instant reschedule(RevocationStore.RevocationRow job, String owner, String error, Duration retryAfter) {
		Duration backoff = backoff(job.attempts());
		if (retryAfter != null && retryAfter.compareTo(backoff) > 0) {
			backoff = retryAfter;
		}
		Instant next = this.clock.instant().plus(backoff);
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
