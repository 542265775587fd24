package io.c2cgateway.polling;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.DeviceCustody;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.pairing.PairingTransitions;
import io.c2cgateway.system.AsyncStop;
import io.c2cgateway.system.DatabaseUnavailable;
import io.c2cgateway.system.LogContext;
import io.c2cgateway.system.ShutdownBudget;
import io.c2cgateway.webhook.Outbox;
import io.c2cgateway.system.ShutdownPhases;

/**
 * Polls Frame.io for every pending pairing this replica holds a lease on.
 *
 * <p>
 * A replica claims unowned or orphaned pairings in one {@code SKIP LOCKED} statement and keeps
 * them until they finish, so a poll costs one fenced row write and no claim. Its lease is one
 * heartbeat row judged by database time; when the heartbeat cannot be renewed in time the engine
 * stops sending (self-fencing) and, once the lease has run out, forgets everything it held. Polls
 * run concurrently on WebClient; their results are written back in batches by the engine's thread,
 * which is the only one that touches the in-memory schedule.
 *
 * <p>
 * Shutdown: once the context starts closing the engine sends no new poll and claims nothing; in the
 * {@link ShutdownPhases#DRAIN} phase, alongside the web server's graceful shutdown, it waits for the
 * polls in flight, writes their outcomes and hands every pairing back, all within the shutdown
 * budget's drain deadline.
 */
public class PollEngine implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(PollEngine.class);

	private static final String TABLE = "pairing";

	/** Kept from the drain deadline for the last outcome writes and the hand-back (engine pool: 5 s statements). */
	private static final Duration HAND_BACK_TIME = Duration.ofSeconds(2);

	private final PollStore store;

	private final SecretBox box;

	private final Clock clock;

	private final PollingProperties properties;

	private final EngineMetrics metrics;

	private final OutcomeWriter writer;

	private final EngineLease lease;

	private final StepRunner steps;

	private final ShutdownBudget shutdown;

	/** Whether this replica's clock is close enough to the database's to write and judge schedules. */
	private final BooleanSupplier clockTrusted;

	private final Object lock = new Object();

	private final Map<UUID, Tracked> tracked = new HashMap<>();

	private final PriorityQueue<Slot> schedule = new PriorityQueue<>();

	private final LinkedBlockingQueue<Step> results = new LinkedBlockingQueue<>();

	private final AtomicInteger inFlight = new AtomicInteger();

	private long lastClaimNanos;

	private long lastCleanupNanos;

	private volatile boolean claimRequested = true;

	/** After a lost lease: claim again only once no poll sent under the old name is in flight. */
	private boolean claimAfterInFlight;

	/** Out of the cluster while the clock is not trusted: no lease, nothing held, nothing claimed. */
	private boolean benched;

	private volatile boolean running;

	private volatile boolean draining;

	private Thread thread;

	PollEngine(String instanceId, PollStore store, FrameioClient frameio, DeviceModelService models, SecretBox box,
			DeviceCustody custody, AuditLog audit, TransactionTemplate tx, Clock clock, PollingProperties properties,
			MeterRegistry meters) {
		this(instanceId, store, frameio, models, box, custody, audit, tx, clock, properties, meters,
				ShutdownBudget.standalone());
	}

	PollEngine(String instanceId, PollStore store, FrameioClient frameio, DeviceModelService models, SecretBox box,
			DeviceCustody custody, AuditLog audit, TransactionTemplate tx, Clock clock, PollingProperties properties,
			MeterRegistry meters, ShutdownBudget shutdown) {
		this(instanceId, store, frameio, models, box, custody, audit, tx, clock, properties, meters, shutdown,
				() -> true);
	}

	PollEngine(String instanceId, PollStore store, FrameioClient frameio, DeviceModelService models, SecretBox box,
			DeviceCustody custody, AuditLog audit, TransactionTemplate tx, Clock clock, PollingProperties properties,
			MeterRegistry meters, ShutdownBudget shutdown, BooleanSupplier clockTrusted) {
		this(instanceId, store, frameio, models, box, custody, audit, tx, clock, properties, meters, shutdown,
				clockTrusted, new PairingTransitions(JdbcClient.create(store.shared()), tx.getTransactionManager(), audit,
						Outbox.NONE, meters));
	}

	PollEngine(String instanceId, PollStore store, FrameioClient frameio, DeviceModelService models, SecretBox box,
			DeviceCustody custody, AuditLog audit, TransactionTemplate tx, Clock clock, PollingProperties properties,
			MeterRegistry meters, ShutdownBudget shutdown, BooleanSupplier clockTrusted, PairingTransitions transitions) {
		this.shutdown = shutdown;
		this.clockTrusted = clockTrusted;
		this.lease = new EngineLease(instanceId, store, properties.leaseTtl());
		this.store = store;
		this.box = box;
		this.clock = clock;
		this.properties = properties;
		this.metrics = new EngineMetrics(meters, this.tracked, this.inFlight, properties.maxConcurrentPolls());
		this.steps = new StepRunner(frameio, models, clock, store.engineDatabase());
		this.writer = new OutcomeWriter(store, box, custody, audit, tx, new PollRules(properties.backoffCap()), this.metrics,
				properties.writeBatchSize(), new OutcomeWriter.Holder() {
					@Override
					public String owner() {
						return PollEngine.this.owner();
					}

					@Override
					public String actor() {
						return PollEngine.this.actor();
					}

					@Override
					public void reschedule(Tracked pairing) {
						enqueue(pairing);
					}

					@Override
					public void forget(Tracked pairing) {
						PollEngine.this.forget(pairing);
					}

					@Override
					public void done(Tracked pairing) {
						PollEngine.this.done(pairing);
					}
				}, transitions);
	}

	/** This replica's current name in leases. */
	public String owner() {
		synchronized (this.lock) {
			return this.lease.owner();
		}
	}

	/** Asks the engine to look for unowned work now: a pairing was just created or handed back. */
	public void wake() {
		this.claimRequested = true;
	}

	int trackedCount() {
		synchronized (this.lock) {
			return this.tracked.size();
		}
	}

	// ---- lifecycle -------------------------------------------------------------------------

	@Override
	public void start() {
		if (!this.properties.enabled() || this.running) {
			return;
		}
		this.running = true;
		this.thread = new Thread(this::loop, "poll-engine");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Stops alongside the web server's graceful shutdown, so that their waits overlap. */
	@Override
	public int getPhase() {
		return ShutdownPhases.DRAIN;
	}

	/**
	 * SIGTERM: stop claiming and sending, let in-flight polls finish (each is bounded by the
	 * upstream timeout), write their results, then hand every pairing back so another replica
	 * continues at once with an accurate schedule. Runs on a thread of its own and reports to
	 * {@code callback} when done, so the other components of the phase stop meanwhile.
	 */
	@Override
	public void stop(Runnable callback) {
		this.draining = true;
		this.running = false;
		AsyncStop.inBackground("poll-engine-stop", () -> {
			joinLoop();
			handBack();
		}, callback);
	}

	/** As {@link #stop(Runnable)}, returning once the engine has stopped. */
	@Override
	public void stop() {
		AsyncStop.andWait(this::stop);
	}

	private void joinLoop() {
		Thread loop = this.thread;
		if (loop == null) {
			return;
		}
		loop.interrupt();
		try {
			// The loop ends at its next tick; a database call under way is bounded by the engine pool's timeouts.
			long millis = Math.min(TimeUnit.SECONDS.toMillis(5),
					ShutdownBudget.until(this.shutdown.drainDeadline()).toMillis());
			loop.join(Math.max(1, millis));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Waits for the polls in flight until the shutdown budget's drain deadline, less the time their
	 * writes and the hand-back need, writing each outcome as it arrives; then hands every pairing back.
	 */
	void handBack() {
		this.draining = true;
		Duration waitAtMost = ShutdownBudget.until(this.shutdown.drainDeadline()).minus(HAND_BACK_TIME);
		awaitInFlight(waitAtMost.isNegative() ? Duration.ZERO : waitAtMost);
		synchronized (this.lock) {
			int stillInFlight = this.inFlight.get() - this.writer.deferredCount();
			if (stillInFlight > 0) {
				// Their pairings are handed back below; another replica polls them again after one interval.
				log.warn("Poll engine {} stops with {} polls still in flight at the shutdown deadline",
						this.lease.owner(), stillInFlight);
			}
			int unwritten = this.writer.dropDeferred();
			if (unwritten > 0) {
				log.warn("Poll engine {} stops with {} outcomes it could not write", this.lease.owner(), unwritten);
			}
			try {
				int released = this.lease.release();
				log.info("Poll engine {} handed back {} pending pairings", this.lease.owner(), released);
			}
			catch (RuntimeException ex) {
				// Nothing lost: the lease runs out after its TTL and another replica takes over.
				log.warn("Poll engine {} could not hand its pairings back: {}", this.lease.owner(),
						ex.getClass().getSimpleName());
			}
			this.tracked.clear();
			this.schedule.clear();
		}
	}

	private void loop() {
		while (this.running) {
			try {
				cycleOnce(this.properties.tick().toMillis(), false);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				// A failed cycle (database down, say) must not end the engine; the next tick retries. A bug
				// gets its trace; an outage is known and would print one per tick.
				log.atWarn()
					.setCause(DatabaseUnavailable.is(ex) ? null : ex)
					.log("Poll engine cycle failed: {}", ex.getClass().getSimpleName());
			}
		}
	}

	/**
	 * One turn of the engine's loop: wait up to {@code waitMillis} for answers, then heartbeat when
	 * due (or when {@code forceHeartbeat}), write, claim and dispatch. Answers are handed to the
	 * writer before anything that can throw, so a failing heartbeat cannot lose them.
	 */
	void cycleOnce(long waitMillis, boolean forceHeartbeat) throws InterruptedException {
		List<Step> ready = new ArrayList<>();
		Step first = (waitMillis > 0) ? this.results.poll(waitMillis, TimeUnit.MILLISECONDS) : this.results.poll();
		if (first != null) {
			ready.add(first);
			this.results.drainTo(ready);
		}
		synchronized (this.lock) {
			this.writer.hold(ready);
			cycle(forceHeartbeat);
		}
	}

	/** Sends every due poll now, without waiting for answers; for tests that need a poll in flight. */
	int dispatchNow() {
		synchronized (this.lock) {
			return mayDispatch() ? dispatchDue() : 0;
		}
	}

	/** Answers that arrived and wait for the engine's thread. */
	int answersWaiting() {
		return this.results.size();
	}

	private void cycle(boolean forceHeartbeat) {
		long nanos = System.nanoTime();
		boolean trusted = clockTrusted();
		if (this.benched) {
			return;
		}
		if (forceHeartbeat || this.lease.heartbeatDue(nanos)) {
			heartbeat();
		}
		this.writer.writeHeld(false);
		// Once the context closes nothing new is sent or claimed; answers still arrive and are written.
		if (!trusted || this.draining || this.shutdown.started() || !this.lease.valid()) {
			return;
		}
		if (this.claimAfterInFlight) {
			if (outstanding() > 0) {
				return;
			}
			this.claimAfterInFlight = false;
			this.claimRequested = true;
		}
		if (this.claimRequested || nanos - this.lastClaimNanos >= this.properties.claimEvery().toNanos()) {
			claim();
		}
		dispatchDue();
	}

	/**
	 * One full round, for tests and benchmarks that drive the engine by hand: heartbeat, claim,
	 * send every due poll, wait for the answers and write them.
	 *
	 * @return the number of pairings worked on
	 */
	public int runOnce() {
		int total = 0;
		synchronized (this.lock) {
			List<Step> ready = new ArrayList<>();
			this.results.drainTo(ready);
			this.writer.hold(ready);
			boolean trusted = clockTrusted();
			if (!this.benched) {
				heartbeat();
				this.writer.writeHeld(true);
				if (trusted) {
					claim();
				}
			}
		}
		while (true) {
			int dispatched;
			synchronized (this.lock) {
				dispatched = mayDispatch() ? dispatchDue() : 0;
			}
			awaitInFlight(Duration.ofSeconds(60));
			if (dispatched == 0) {
				return total;
			}
			total += dispatched;
		}
	}

	private void awaitInFlight(Duration limit) {
		long deadline = System.nanoTime() + limit.toNanos();
		while (outstanding() > 0 && System.nanoTime() < deadline) {
			try {
				Step step = this.results.poll(100, TimeUnit.MILLISECONDS);
				List<Step> ready = new ArrayList<>();
				if (step != null) {
					ready.add(step);
					this.results.drainTo(ready);
				}
				synchronized (this.lock) {
					this.writer.hold(ready);
					this.writer.writeHeld(false);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/** Upstream calls still running: in flight, less the outcomes waiting to be written again. */
	private int outstanding() {
		synchronized (this.lock) {
			return this.inFlight.get() - this.writer.deferredCount();
		}
	}

	// ---- lease -----------------------------------------------------------------------------

	private void heartbeat() {
		int held = this.tracked.size();
		String previous = this.lease.owner();
		if (!this.lease.heartbeat()) {
			log.warn("Poll engine {} lost its lease; dropped {} pairings, now {}", previous, held, this.lease.owner());
			this.tracked.clear();
			this.schedule.clear();
			// Polls sent under the lost name may still reach Frame.io: a takeover schedules the next
			// poll one interval after itself, so it must not come before they are answered.
			this.claimAfterInFlight = this.inFlight.get() > 0;
		}
	}

	private boolean mayDispatch() {
		return !this.benched && this.clockTrusted.getAsBoolean() && this.lease.valid();
	}

	/**
	 * Whether this replica's clock may schedule polls now. While it may not, nothing is claimed or
	 * sent; once no poll is in flight (their outcomes written under the lease, so the schedules in
	 * the rows are current) the pairings and the lease itself are handed back: other replicas take
	 * the pairings at once and no longer count this one in their shares.
	 */
	private boolean clockTrusted() {
		if (this.clockTrusted.getAsBoolean()) {
			if (this.benched) {
				this.benched = false;
				this.claimRequested = true;
			}
			return true;
		}
		if (!this.benched && this.inFlight.get() == 0) {
			int released = this.lease.release();
			this.tracked.clear();
			this.schedule.clear();
			this.benched = true;
			// Also at start-up, before the first measurement: nothing is trusted unmeasured.
			log.warn("Poll engine {} handed back {} pending pairings and its lease: its clock is too far off the "
					+ "database's, or not measured yet", this.lease.owner(), released);
		}
		return false;
	}

	// ---- claim -----------------------------------------------------------------------------

	private void claim() {
		this.claimRequested = false;
		this.lastClaimNanos = System.nanoTime();
		if (this.lastClaimNanos - this.lastCleanupNanos > Duration.ofMinutes(5).toNanos()) {
			this.lastCleanupNanos = this.lastClaimNanos;
			this.store.forgetDeadInstances(Duration.ofHours(1));
		}
		// Each replica holds about its share of the pending work, so one that joins gets work and one
		// that leaves hands its share to the others (contract: within 30 s, between half and twice 1/n).
		PollStore.Census census = this.store.census();
		FairShare fair = FairShare.of(census, this.properties);
		long excess = fair.excess(this.tracked.size());
		if (excess > 0) {
			handBackExcess(excess, census);
			return;
		}
		long budget = fair.budget(this.tracked.size());
		for (int round = 0; round < 20 && budget > 0; round++) {
			int limit = (int) Math.min(this.properties.claimBatchSize(), budget);
			Instant now = this.clock.instant();
			List<PollStore.ClaimedRow> rows = this.store.claim(this.lease.owner(), now,
					now.plus(this.properties.claimLookahead()), limit);
			for (PollStore.ClaimedRow row : rows) {
				adopt(row);
			}
			budget -= rows.size();
			if (rows.size() < limit) {
				return;
			}
		}
		if (budget > 0) {
			this.claimRequested = true;
		}
	}

	/**
	 * Gives pairings back so that others can claim them: those not in flight whose next poll is
	 * furthest away, so the claimer has time to take them before they are due. Their rows hold the
	 * schedule as written after their last poll, so nobody polls them sooner than their interval.
	 */
	private void handBackExcess(long excess, PollStore.Census census) {
		List<Tracked> candidates = new ArrayList<>();
		for (Tracked pairing : this.tracked.values()) {
			if (!pairing.inFlight) {
				candidates.add(pairing);
			}
		}
		candidates.sort((a, b) -> b.nextPollAt.compareTo(a.nextPollAt));
		List<Tracked> leaving = candidates.subList(0, (int) Math.min(excess, candidates.size()));
		int released = this.store.handBack(this.lease.owner(), PollStore.ids(leaving));
		leaving.forEach(this::forget);
		this.metrics.handedBack.increment(released);
		log.info("Poll engine {} handed back {} pairings: it held {}, its share is {} ({} pending over {} replicas)",
				this.lease.owner(), released, this.tracked.size() + leaving.size(), census.share(), census.pending(),
				census.live());
	}

	private void adopt(PollStore.ClaimedRow row) {
		if (row.previousOwner() != null) {
			this.metrics.takeovers.increment();
			try (LogContext context = LogContext.of(row.id(), row.deviceId())) {
				log.info("Took over pairing {} from {}", row.id(), row.previousOwner());
			}
		}
		Secret code;
		try {
			code = (row.sealedDeviceCode() != null) ? this.box.open(row.sealedDeviceCode(), TABLE, "device_code", row.id())
					: null;
		}
		catch (SecretBox.CryptoException ex) {
			undecryptable(row, ex);
			return;
		}
		Tracked pairing = new Tracked(row.id(), row.epoch(), row.deviceId(), row.model(), row.clientVersion(),
				row.urlPairing(), row.expiresAt(), code, row.codeExpiresAt(), row.intervalSeconds(),
				row.backoffSeconds(), row.nextPollAt());
		this.tracked.put(pairing.id, pairing);
		enqueue(pairing);
	}

	/**
	 * A claimed row whose device code no key of the ring opens (a key removed too early): it can
	 * never be polled, so it ends FAILED instead of aborting the rest of the claimed batch.
	 */
	private void undecryptable(PollStore.ClaimedRow row, SecretBox.CryptoException cause) {
		this.metrics.undecryptable.increment();
		try (LogContext context = LogContext.of(row.id(), row.deviceId())) {
			log.error("Pairing {} cannot be polled: {}; it ends FAILED (undecryptable)", row.id(), cause.getMessage());
			Instant at = this.clock.instant();
			this.writer.finishNow(row.id(), row.epoch(), new Decision.Finish(PairingStatus.FAILED, "undecryptable", at, null));
		}
		catch (RuntimeException ex) {
			// Still leased to us and untracked: it is free again once our lease ends, and fails then.
			log.warn("Could not mark pairing {} undecryptable: {}", row.id(), ex.getClass().getSimpleName());
		}
	}

	private void enqueue(Tracked pairing) {
		pairing.stamp++;
		this.schedule.add(new Slot(pairing.nextPollAt, pairing.stamp, pairing));
	}

	private void forget(Tracked pairing) {
		this.tracked.remove(pairing.id, pairing);
	}

	// ---- dispatch --------------------------------------------------------------------------

	private int dispatchDue() {
		Instant now = this.clock.instant();
		int permits = this.properties.maxConcurrentPolls() - this.inFlight.get();
		List<Tracked> due = new ArrayList<>();
		while (permits > 0 && !this.schedule.isEmpty() && !this.schedule.peek().at().isAfter(now)) {
			Slot slot = this.schedule.poll();
			Tracked pairing = slot.pairing();
			if (this.tracked.get(pairing.id) != pairing || slot.stamp() != pairing.stamp || pairing.inFlight) {
				continue;
			}
			due.add(pairing);
			permits--;
		}
		if (due.isEmpty()) {
			return 0;
		}
		// One read per round, so a pairing cancelled or taken over elsewhere is never polled again.
		Map<UUID, Long> held;
		try {
			held = this.store.stillHeld(this.lease.owner(), PollStore.ids(due));
		}
		catch (RuntimeException ex) {
			// They left the schedule above; without this they would never be polled again.
			due.forEach(this::enqueue);
			throw ex;
		}
		if (!this.lease.valid()) {
			// The check (or a long claim before it) outlasted the lease's sending margin: another
			// replica may take these over at any moment, so nothing is sent on the strength of it.
			due.forEach(this::enqueue);
			return 0;
		}
		int dispatched = 0;
		for (Tracked pairing : due) {
			Long epoch = held.get(pairing.id);
			if (epoch == null || epoch != pairing.epoch) {
				forget(pairing);
				continue;
			}
			pairing.inFlight = true;
			this.inFlight.incrementAndGet();
			this.metrics.lateness.record(Duration.between(pairing.nextPollAt, now).abs());
			launch(pairing, now);
			dispatched++;
		}
		return dispatched;
	}

	private void launch(Tracked pairing, Instant now) {
		this.steps.run(pairing, now).subscribe(this.results::add);
	}

	private void done(Tracked pairing) {
		if (pairing.inFlight) {
			pairing.inFlight = false;
			this.inFlight.decrementAndGet();
		}
	}

	private String actor() {
		return "engine:" + this.lease.owner();
	}

	private record Slot(Instant at, long stamp, Tracked pairing) implements Comparable<Slot> {

		@Override
		public int compareTo(Slot other) {
			return this.at.compareTo(other.at);
		}

	}

}
