package io.c2cgateway.polling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.DeviceCustody;
import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.pairing.PairingTransitions;
import io.c2cgateway.system.LogContext;

/**
 * Writes what the engine's polls came to: reschedules in fenced batches, everything else row by
 * row in its own transaction with its audit event. Runs on the engine's thread only.
 */
final class OutcomeWriter {

	private static final Logger log = LoggerFactory.getLogger(PollEngine.class);

	private static final String TABLE = "pairing";

	private final PollStore store;

	private final SecretBox box;

	private final DeviceCustody custody;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final PollRules rules;

	private final EngineMetrics metrics;

	private final int writeBatchSize;

	private final Holder holder;

	/** Every status change: the fenced update with its audit and outbox events and the finished meter. */
	private final PairingTransitions transitions;

	private final List<Step> deferred = new ArrayList<>();

	/** Answers handed over by the engine and not yet written: kept here first, so nothing that throws loses them. */
	private final List<Step> held = new ArrayList<>();

	/** Failed attempts of outcomes the database refused for what they hold, not for being unreachable. */
	private final Map<Step, Integer> refusals = new IdentityHashMap<>();

	/** Attempts before an outcome the database keeps refusing ends in a visible state instead. */
	static final int REFUSALS_BEFORE_GIVING_UP = 3;

	private long retryDeferredAtNanos;

	OutcomeWriter(PollStore store, SecretBox box, DeviceCustody custody, AuditLog audit, TransactionTemplate tx,
			PollRules rules, EngineMetrics metrics, int writeBatchSize, Holder holder, PairingTransitions transitions) {
		this.transitions = transitions;
		this.store = store;
		this.box = box;
		this.custody = custody;
		this.audit = audit;
		this.tx = tx;
		this.rules = rules;
		this.metrics = metrics;
		this.writeBatchSize = writeBatchSize;
		this.holder = holder;
	}

	/** Outcomes waiting to be written again. */
	int deferredCount() {
		return this.deferred.size() + this.held.size();
	}

	/** Takes answers to write; they stay here until written or deferred. */
	void hold(List<Step> steps) {
		this.held.addAll(steps);
	}

	/** Writes the held answers and, when their retry is due (or {@code now}), the deferred ones. */
	void writeHeld(boolean now) {
		List<Step> steps = withDeferred(new ArrayList<>(this.held), now);
		this.held.clear();
		write(steps);
	}

	/** Gives up the outcomes not written yet (the engine is stopping); returns how many. */
	int dropDeferred() {
		int dropped = deferredCount();
		this.deferred.clear();
		this.held.clear();
		this.refusals.clear();
		return dropped;
	}

	void write(List<Step> steps) {
		if (steps.isEmpty()) {
			return;
		}
		List<PollStore.Reschedule> reschedules = new ArrayList<>();
		List<Step> rescheduled = new ArrayList<>();
		List<Decision.Reschedule> decisions = new ArrayList<>();
		for (Step step : steps) {
			Tracked pairing = step.pairing();
			try {
				Decision decision = this.rules.decide(step);
				if (log.isDebugEnabled()) {
					try (LogContext context = LogContext.of(pairing.id, pairing.deviceId)) {
						log.debug("Pairing {}: {} -> {}", pairing.id, describe(step), decision.getClass().getSimpleName());
					}
				}
				if (decision instanceof Decision.Reschedule reschedule) {
					reschedules.add(new PollStore.Reschedule(pairing.id, pairing.epoch, reschedule.nextPollAt(),
							reschedule.intervalSeconds(), reschedule.backoffSeconds(), reschedule.visible(),
							reschedule.polledAt(), step.at()));
					rescheduled.add(step);
					decisions.add(reschedule);
					continue;
				}
				apply(pairing, decision);
				this.refusals.remove(step);
				this.metrics.count(step);
				this.holder.done(pairing);
			}
			catch (RuntimeException ex) {
				if (refusedForGood(step, ex)) {
					giveUp(step, ex);
				}
				else {
					defer(List.of(step), ex);
				}
			}
		}
		int from = 0;
		try {
			for (; from < reschedules.size(); from += this.writeBatchSize) {
				int to = Math.min(reschedules.size(), from + this.writeBatchSize);
				List<PollStore.Reschedule> batch = reschedules.subList(from, to);
				boolean[] passed = this.store.reschedule(this.holder.owner(), batch);
				for (int i = 0; i < batch.size(); i++) {
					Step step = rescheduled.get(from + i);
					Tracked pairing = step.pairing();
					if (passed[i]) {
						Decision.Reschedule decision = decisions.get(from + i);
						pairing.nextPollAt = decision.nextPollAt();
						pairing.intervalSeconds = decision.intervalSeconds();
						pairing.backoffSeconds = decision.backoffSeconds();
						this.holder.reschedule(pairing);
					}
					else {
						this.holder.forget(pairing);
					}
					this.metrics.count(step);
					this.holder.done(pairing);
				}
			}
		}
		catch (RuntimeException ex) {
			defer(rescheduled.subList(from, rescheduled.size()), ex);
		}
	}

	/**
	 * Keeps outcomes that could not be written (database unreachable) to write them again later:
	 * the poll happened, and tokens in particular must not be lost. Their pairings stay in flight,
	 * so they are not polled meanwhile; if the lease is lost in between, the fence decides.
	 */
	private void defer(List<Step> steps, RuntimeException cause) {
		Tracked only = (steps.size() == 1) ? steps.get(0).pairing() : null;
		try (LogContext context = (only != null) ? LogContext.of(only.id, only.deviceId) : LogContext.of(null, null)) {
			log.warn("Writing {} poll outcomes failed ({}); retrying shortly", steps.size(), cause.getClass().getSimpleName());
			log.debug("Write failure", cause);
		}
		this.deferred.addAll(steps);
		this.retryDeferredAtNanos = System.nanoTime() + Duration.ofSeconds(1).toNanos();
	}

	/**
	 * Whether the database refused this outcome for its content (a value too long, a constraint)
	 * often enough: retrying such a write forever would hold the pairing's concurrency permit for good.
	 */
	private boolean refusedForGood(Step step, RuntimeException ex) {
		if (!(ex instanceof DataIntegrityViolationException)) {
			return false;
		}
		return this.refusals.merge(step, 1, Integer::sum) >= REFUSALS_BEFORE_GIVING_UP;
	}

	/** Ends a pairing whose outcome cannot be written: FAILED, or at least no longer held. */
	private void giveUp(Step step, RuntimeException cause) {
		this.refusals.remove(step);
		Tracked pairing = step.pairing();
		try (LogContext context = LogContext.of(pairing.id, pairing.deviceId)) {
			log.error("Pairing {}: the database keeps refusing its outcome ({}); it ends FAILED (unwritable_outcome)",
					pairing.id, cause.getClass().getSimpleName());
			Instant at = step.at();
			if (step instanceof Step.Poll poll && poll.answer() instanceof Upstream.Ok<TokenGrant> ok) {
				// Frame.io bound the device, but the gateway cannot hold the tokens: they must die upstream too.
				this.custody.discardAuthorization(pairing.deviceId, pairing.model, pairing.clientVersion, pairing.id,
						ok.value(), at, this.holder.actor(), "unwritable_outcome");
			}
			finishNow(pairing.id, pairing.epoch, new Decision.Finish(PairingStatus.FAILED, "unwritable_outcome", at, null));
		}
		catch (RuntimeException ex) {
			log.warn("Pairing {}: could not mark its unwritable outcome: {}", pairing.id, ex.getClass().getSimpleName());
		}
		this.metrics.count(step);
		this.holder.forget(pairing);
		this.holder.done(pairing);
	}

	/** A terminal write fenced by this replica's lease, with its events; false when the fence refused it. */
	boolean finishNow(UUID id, long epoch, Decision.Finish finish) {
		boolean finished = this.transitions.finish(id, new PairingTransitions.LeaseFence(this.holder.owner(), epoch),
				finish.status(), finish.failureReason(), finish.at(), finish.polledAt(), this.holder.actor());
		if (finished) {
			log.info("Pairing {} finished as {}{}", id, finish.status(),
					(finish.failureReason() != null) ? " (" + finish.failureReason() + ")" : "");
		}
		return finished;
	}

	/** A user code, or the URL that ends with one: as live as the device code, so sealed like it. */
	private String seal(String value, String column, UUID id) {
		return (value != null) ? this.box.seal(Secret.of(value), TABLE, column, id) : null;
	}

	private List<Step> withDeferred(List<Step> ready, boolean now) {
		if (this.deferred.isEmpty() || (!now && System.nanoTime() < this.retryDeferredAtNanos)) {
			return ready;
		}
		List<Step> all = new ArrayList<>(this.deferred);
		this.deferred.clear();
		all.addAll(ready);
		return all;
	}

	private void apply(Tracked pairing, Decision decision) {
		try (LogContext context = LogContext.of(pairing.id, pairing.deviceId)) {
			if (decision instanceof Decision.Renew renew) {
				DeviceCode code = renew.code();
				Instant issuedAt = renew.issuedAt();
				Instant codeExpiresAt = issuedAt.plusSeconds(code.expiresInSeconds());
				Instant nextPollAt = issuedAt.plusSeconds(code.intervalSeconds());
				PollStore.Renewal renewal = new PollStore.Renewal(seal(code.userCode(), "user_code", pairing.id),
						code.verificationUri(), seal(code.verificationUriComplete(), "verification_uri_complete", pairing.id),
						code.name(),
						this.box.seal(code.deviceCode(), TABLE, "device_code", pairing.id), codeExpiresAt,
						code.intervalSeconds(), nextPollAt, renew.polledAt(), issuedAt);
				boolean written = Boolean.TRUE.equals(this.tx.execute((status) -> {
					boolean ok = this.store.renew(this.holder.owner(), pairing.id, pairing.epoch, renewal);
					if (ok) {
						// By id only: a live user code in the trail would let its reader capture the device.
						this.audit.record(issuedAt, this.holder.actor(), "pairing.code_renewed", "pairing", pairing.id.toString(),
								null);
					}
					return ok;
				}));
				if (written) {
					this.metrics.renewals.increment();
					log.info("Pairing {} has a new device code", pairing.id);
					pairing.deviceCode = code.deviceCode();
					pairing.codeExpiresAt = codeExpiresAt;
					pairing.intervalSeconds = code.intervalSeconds();
					pairing.backoffSeconds = 0;
					pairing.nextPollAt = nextPollAt;
					this.holder.reschedule(pairing);
				}
				else {
					this.holder.forget(pairing);
				}
			}
			else if (decision instanceof Decision.CodeDead dead) {
				if (this.store.codeDead(this.holder.owner(), pairing.id, pairing.epoch, dead)) {
					if (pairing.codeExpiresAt == null || pairing.codeExpiresAt.isAfter(dead.diedAt())) {
						pairing.codeExpiresAt = dead.diedAt();
					}
					pairing.backoffSeconds = dead.backoffSeconds();
					pairing.nextPollAt = dead.nextAttemptAt();
					this.holder.reschedule(pairing);
				}
				else {
					this.holder.forget(pairing);
				}
			}
			else if (decision instanceof Decision.Finish finish) {
				if (Upstream.INVALID_TOKEN_RESPONSE.equals(finish.failureReason())) {
					// Frame.io bound the device but the gateway cannot hold it: someone must look (no body in the line).
					log.error("Pairing {}: Frame.io answered the token poll with success but without a usable access_token "
							+ "and refresh_token; the device code is spent, the pairing ends FAILED ({})", pairing.id,
							Upstream.INVALID_TOKEN_RESPONSE);
				}
				finishNow(pairing.id, pairing.epoch, finish);
				this.holder.forget(pairing);
			}
			else if (decision instanceof Decision.Authorize authorize) {
				// Tokens are stored in the status change's transaction: AUTHORIZED exactly when custody holds them.
				boolean authorized = this.transitions.authorize(pairing.id, pairing.deviceId, authorize.at(),
						this.holder.actor(), () -> this.custody.acceptAuthorization(pairing.deviceId, pairing.model,
								pairing.clientVersion, pairing.id, authorize.tokens(), authorize.at(), this.holder.actor()));
				if (authorized) {
					log.info("Pairing {} authorized; device {} is paired", pairing.id, pairing.deviceId);
				}
				else {
					// Cancelled (or ended otherwise) while Frame.io was issuing: nobody would hold these tokens.
					this.custody.discardAuthorization(pairing.deviceId, pairing.model, pairing.clientVersion, pairing.id,
							authorize.tokens(), authorize.at(), this.holder.actor(), "pairing_no_longer_pending");
				}
				this.holder.forget(pairing);
			}
		}
	}

	/** What came back, by kind and error code only: answers carry tokens and device codes. */
	private static String describe(Step step) {
		if (step instanceof Step.Poll poll) {
			return "poll answered " + describe(poll.answer())
					+ ((poll.renewal() != null) ? ", new code request answered " + describe(poll.renewal()) : "");
		}
		if (step instanceof Step.Renew renew) {
			return "new code request answered " + describe(renew.renewal());
		}
		return "code expired";
	}

	private static String describe(Upstream<?> answer) {
		if (answer instanceof Upstream.Rejected<?> rejected) {
			return "rejected " + rejected.error();
		}
		if (answer instanceof Upstream.Unavailable<?> unavailable) {
			return "unavailable " + unavailable.reason();
		}
		return (answer instanceof Upstream.RateLimited<?>) ? "rate limited" : "ok";
	}

	/** What the writer needs of the engine that holds the pairings. */
	interface Holder {

		String owner();

		String actor();

		/** The pairing stays held; its schedule changed. */
		void reschedule(Tracked pairing);

		/** The pairing is no longer held: finished, or its lease went elsewhere. */
		void forget(Tracked pairing);

		/** Its outcome is written: it is no longer in flight. */
		void done(Tracked pairing);

	}

}
