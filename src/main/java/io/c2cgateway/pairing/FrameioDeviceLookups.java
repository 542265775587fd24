package io.c2cgateway.pairing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.device.PairingAccess;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.FrameioDevice;
import io.c2cgateway.frameio.FrameioProperties;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.system.ClusterJob;
import io.c2cgateway.system.DatabaseUnavailable;
import io.c2cgateway.system.InstanceIdentity;
import io.c2cgateway.system.LogContext;

/**
 * Asks Frame.io ({@code GET /v2/devices/me}, with the device's access token) where the device of a
 * newly authorized pairing landed, so that a station can show it as the pairing's
 * {@code frameioDevice}. The lookup is due from the transaction that authorized the pairing; it is
 * claimed with a lease (one replica per lookup, none lost in a restart) and retried with capped
 * exponential backoff until {@code giveUpAfter} past the authorization, then given up once, with an
 * audit event. It never changes the pairing's status or version. A pairing whose device was paired
 * again or revoked meanwhile has no token to ask with: its lookup ends quietly. Rounds run as a
 * cluster job ({@link #job()}), once per {@code every} across the replicas.
 */
@Component
class FrameioDeviceLookups {

	private static final Logger log = LoggerFactory.getLogger(FrameioDeviceLookups.class);

	private static final int BATCH = 8;

	private static final int MAX_ROUNDS = 50;

	private static final String METER = "gateway.pairings.device_lookups";

	private final String instanceId;

	private final FrameioDeviceLookupStore store;

	private final PairingAccess access;

	private final FrameioClient frameio;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final FrameioDeviceLookupProperties properties;

	private final MeterRegistry meters;

	private final Duration leaseTtl;

	FrameioDeviceLookups(InstanceIdentity identity, FrameioDeviceLookupStore store, PairingAccess access,
			FrameioClient frameio, AuditLog audit, TransactionTemplate tx, Clock clock,
			FrameioDeviceLookupProperties properties, FrameioProperties frameioProperties, MeterRegistry meters) {
		this.instanceId = identity.id();
		this.store = store;
		this.access = access;
		this.frameio = frameio;
		this.audit = audit;
		this.tx = tx;
		this.clock = clock;
		this.properties = properties;
		this.meters = meters;
		// A batch is worked one lookup after another: the lease must outlast all of its upstream calls.
		this.leaseTtl = frameioProperties.timeout().plusSeconds(1).multipliedBy(BATCH).plusSeconds(5);
	}

	/** The rounds as a cluster job; on shutdown a round hands back the lookups it holds and has not begun. */
	ClusterJob job() {
		return ClusterJob.every("frameio-device-lookups", this.properties.enabled(), this.properties.every(),
				this::runOnce);
	}

	/**
	 * One round, also for tests that drive it by hand: claims every lookup due now (domain time)
	 * and works on them.
	 *
	 * @return the number of lookups worked on
	 */
	int runOnce() {
		return runOnce(() -> true);
	}

	/** As {@link #runOnce()}, handing back what it holds once {@code keepGoing} says stop. */
	int runOnce(BooleanSupplier keepGoing) {
		String owner = this.instanceId + "#device-lookup-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
		int worked = 0;
		for (int round = 0; round < MAX_ROUNDS && keepGoing.getAsBoolean(); round++) {
			List<FrameioDeviceLookupStore.Lookup> due = this.store.claimDue(owner, this.leaseTtl, this.clock.instant(),
					BATCH);
			for (FrameioDeviceLookupStore.Lookup lookup : due) {
				if (keepGoing.getAsBoolean()) {
					work(lookup, owner);
					worked++;
				}
				else {
					this.store.handBack(lookup.pairingId(), owner);
				}
			}
			if (due.size() < BATCH) {
				break;
			}
		}
		return worked;
	}

	private void work(FrameioDeviceLookupStore.Lookup lookup, String owner) {
		try (LogContext context = LogContext.of(lookup.pairingId(), lookup.deviceId())) {
			Optional<PairingAccess.Access> access = this.access.of(lookup.deviceId(), lookup.pairingId());
			if (access.isEmpty()) {
				this.store.end(lookup.pairingId(), owner, "superseded", false);
				count("superseded");
				log.info("Pairing {}: device {} was paired again or revoked; where it landed is not looked up",
						lookup.pairingId(), lookup.deviceId());
				return;
			}
			Instant expiresAt = access.get().expiresAt();
			if (expiresAt != null && !expiresAt.isAfter(this.clock.instant())) {
				// The device's next refresh brings a token to ask with.
				failed(lookup, owner, "access_token_expired", null);
				return;
			}
			Upstream<FrameioDevice> answer = this.frameio.devicesMe(access.get().client(), access.get().accessToken())
				.block();
			if (answer instanceof Upstream.Ok<FrameioDevice> ok) {
				found(lookup, owner, ok.value());
			}
			else if (answer instanceof Upstream.Rejected<FrameioDevice> rejected) {
				failed(lookup, owner, "rejected:" + rejected.error(), null);
			}
			else if (answer instanceof Upstream.RateLimited<FrameioDevice> limited) {
				failed(lookup, owner, "rate_limited", limited.retryAfter());
			}
			else if (answer instanceof Upstream.Unavailable<FrameioDevice> unavailable) {
				failed(lookup, owner, unavailable.reason(), unavailable.retryAfter());
			}
			else {
				failed(lookup, owner, "unknown", null);
			}
		}
		catch (RuntimeException ex) {
			log.atWarn()
				.setCause(DatabaseUnavailable.is(ex) ? null : ex)
				.log("Looking up where the device of pairing {} landed failed: {}", lookup.pairingId(),
						ex.getClass().getSimpleName());
			try {
				failed(lookup, owner, "internal_error", null);
			}
			catch (RuntimeException again) {
				// The lease runs out and another round picks the lookup up.
			}
		}
	}

	private void found(FrameioDeviceLookupStore.Lookup lookup, String owner, FrameioDevice answer) {
		FrameioDevice device = new FrameioDevice(clip(answer.id()), clip(answer.name()), clip(answer.projectId()),
				answer.projectName());
		if (this.store.found(lookup.pairingId(), owner, device)) {
			count("ok");
			log.info("Pairing {}: Frame.io has device {} in project {}", lookup.pairingId(), lookup.deviceId(),
					device.projectId());
		}
	}

	/** An id longer than its column is no id we can show; a name is shown shortened. */
	private static String clip(String value) {
		int max = FrameioDeviceLookupStore.TEXT_LENGTH;
		return (value == null || value.length() <= max) ? value : value.substring(0, max);
	}

	private void failed(FrameioDeviceLookupStore.Lookup lookup, String owner, String reason, Duration retryAfter) {
		String error = (reason.length() > 120) ? reason.substring(0, 120) : reason;
		Instant now = this.clock.instant();
		Instant deadline = (lookup.authorizedAt() != null ? lookup.authorizedAt() : now)
			.plus(this.properties.giveUpAfter());
		if (!now.isBefore(deadline)) {
			giveUp(lookup, owner, error, now);
			return;
		}
		Duration wait = backoff(lookup.attempts());
		if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
			wait = retryAfter;
		}
		// One last attempt at the deadline rather than none past it.
		Instant next = now.plus(wait).isAfter(deadline) ? deadline : now.plus(wait);
		this.store.failed(lookup.pairingId(), owner, next, error);
		count("retry");
		log.info("Pairing {}: Frame.io did not say where device {} landed ({}); next attempt at {}", lookup.pairingId(),
				lookup.deviceId(), error, next);
	}

	private void giveUp(FrameioDeviceLookupStore.Lookup lookup, String owner, String error, Instant now) {
		boolean ended = Boolean.TRUE.equals(this.tx.execute((status) -> {
			if (!this.store.end(lookup.pairingId(), owner, error, true)) {
				return false;
			}
			this.audit.record(now, "device-lookup:" + this.instanceId, "pairing.frameio_device_unavailable", "pairing",
					lookup.pairingId().toString(), "deviceId=" + lookup.deviceId() + " attempts="
							+ (lookup.attempts() + 1) + " lastError=" + error);
			return true;
		}));
		if (ended) {
			count("gave_up");
			log.warn("Pairing {}: gave up asking Frame.io where device {} landed after {} attempts (last: {}); "
					+ "frameioDevice stays null", lookup.pairingId(), lookup.deviceId(), lookup.attempts() + 1, error);
		}
	}

	/** base, 2 base, 4 base, ... never more than the cap. */
	Duration backoff(int failuresBefore) {
		Duration cap = this.properties.backoffCap();
		Duration wait = this.properties.backoffBase();
		for (int i = 0; i < failuresBefore && wait.compareTo(cap) < 0; i++) {
			wait = wait.multipliedBy(2);
		}
		return (wait.compareTo(cap) > 0) ? cap : wait;
	}

	private void count(String outcome) {
		this.meters.counter(METER, "outcome", outcome).increment();
	}

}
