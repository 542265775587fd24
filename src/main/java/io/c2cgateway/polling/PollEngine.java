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

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.DeviceCustody;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.frameio.ClientCredentials;
import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.TokenGrant;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.system.LogContext;

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
 */
public class PollEngine implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(PollEngine.class);

	private static final String TABLE = "pairing";

	private final String baseId;

	private final PollStore store;

	private final FrameioClient frameio;

	private final DeviceModelService models;

	private final SecretBox box;

	private final DeviceCustody custody;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final PollingProperties properties;

	private final PollRules rules;

	private final Metrics metrics;

	private final Object lock = new Object();

	private final Map<UUID, Tracked> tracked = new HashMap<>();

	private final PriorityQueue<Slot> schedule = new PriorityQueue<>();

	private final LinkedBlockingQueue<Step> results = new LinkedBlockingQueue<>();

	private final AtomicInteger inFlight = new AtomicInteger();

	private final List<Step> deferred = new ArrayList<>();

	private long retryDeferredAtNanos;

	private String owner;

	private int generation;

	private boolean registered;

	private long leaseValidUntilNanos;

	private long lastHeartbeatNanos;

	private long lastClaimNanos;

	private long lastCleanupNanos;

	private volatile boolean claimRequested = true;

	private volatile boolean running;

	private volatile boolean draining;

	private Thread thread;

	PollEngine(String instanceId, PollStore store, FrameioClient frameio, DeviceModelService models, SecretBox box,
			DeviceCustody custody, AuditLog audit, TransactionTemplate tx, Clock clock, PollingProperties properties,
			MeterRegistry meters) {
		this.baseId = instanceId;
		this.owner = instanceId;
		this.store = store;
		this.frameio = frameio;
		this.models = models;
		this.box = box;
		this.custody = custody;
		this.audit = audit;
		this.tx = tx;
		this.clock = clock;
		this.properties = properties;
		this.rules = new PollRules(properties.backoffCap());
		this.metrics = new Metrics(meters, this.tracked);
	}

	/** This replica's current name in leases. */
	public String owner() {
		synchronized (this.lock) {
			return this.owner;
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

	/**
	 * SIGTERM: stop claiming and sending, let in-flight polls finish (each is bounded by the
	 * upstream timeout), write their results, then hand every pairing back so another replica
	 * continues at once with an accurate schedule.
	 */
	@Override
	public void stop() {
		this.draining = true;
		this.running = false;
		if (this.thread != null) {
			this.thread.interrupt();
			try {
				this.thread.join(TimeUnit.SECONDS.toMillis(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		handBack();
	}

	void handBack() {
		this.draining = true;
		awaitInFlight(Duration.ofSeconds(15));
		synchronized (this.lock) {
			if (!this.deferred.isEmpty()) {
				log.warn("Poll engine {} stops with {} outcomes it could not write", this.owner, this.deferred.size());
			}
			if (this.registered) {
				try {
					int released = this.store.release(this.owner);
					log.info("Poll engine {} handed back {} pending pairings", this.owner, released);
				}
				catch (RuntimeException ex) {
					// Nothing lost: the lease runs out after its TTL and another replica takes over.
					log.warn("Poll engine {} could not hand its pairings back: {}", this.owner, ex.getClass().getSimpleName());
				}
				this.registered = false;
			}
			this.tracked.clear();
			this.schedule.clear();
			this.deferred.clear();
		}
	}

	private void loop() {
		while (this.running) {
			try {
				List<Step> ready = new ArrayList<>();
				Step first = this.results.poll(this.properties.tick().toMillis(), TimeUnit.MILLISECONDS);
				if (first != null) {
					ready.add(first);
					this.results.drainTo(ready);
				}
				synchronized (this.lock) {
					cycle(ready);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				// A failed cycle (database down, say) must not end the engine; the next tick retries.
				log.warn("Poll engine cycle failed: {}", ex.getClass().getSimpleName());
				log.debug("Poll engine cycle failure", ex);
			}
		}
	}

	private void cycle(List<Step> ready) {
		long nanos = System.nanoTime();
		if (!this.registered || nanos - this.lastHeartbeatNanos >= this.properties.leaseTtl().toNanos() / 3) {
			heartbeat();
		}
		write(withDeferred(ready));
		if (this.draining || !leaseValid()) {
			return;
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
			heartbeat();
			List<Step> ready = new ArrayList<>();
			this.results.drainTo(ready);
			write(withDeferred(ready, true));
			claim();
		}
		while (true) {
			int dispatched;
			synchronized (this.lock) {
				dispatched = leaseValid() ? dispatchDue() : 0;
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
					write(withDeferred(ready));
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
			return this.inFlight.get() - this.deferred.size();
		}
	}

	// ---- lease -----------------------------------------------------------------------------

	private void heartbeat() {
		long started = System.nanoTime();
		if (!this.registered) {
			this.store.register(this.owner, this.properties.leaseTtl());
			this.registered = true;
			this.leaseValidUntilNanos = started + this.properties.leaseTtl().toNanos();
			this.lastHeartbeatNanos = started;
			log.info("Poll engine {} registered with a lease of {}", this.owner, this.properties.leaseTtl());
			return;
		}
		if (this.store.heartbeat(this.owner, this.properties.leaseTtl())) {
			this.leaseValidUntilNanos = started + this.properties.leaseTtl().toNanos();
			this.lastHeartbeatNanos = started;
			return;
		}
		// The lease ran out: other replicas may hold our pairings now. Forget them all and start anew
		// under a new name, so nothing written under the old one can pass a fence.
		log.warn("Poll engine {} lost its lease; dropping {} pairings", this.owner, this.tracked.size());
		this.tracked.clear();
		this.schedule.clear();
		this.generation++;
		this.owner = this.baseId + "." + this.generation;
		this.registered = false;
		heartbeat();
	}

	/** Sends nothing unless the lease outlives the slowest possible call by a margin. */
	private boolean leaseValid() {
		return System.nanoTime() < this.leaseValidUntilNanos - Duration.ofSeconds(1).toNanos();
	}

	// ---- claim -----------------------------------------------------------------------------

	private void claim() {
		this.claimRequested = false;
		this.lastClaimNanos = System.nanoTime();
		if (this.lastClaimNanos - this.lastCleanupNanos > Duration.ofMinutes(5).toNanos()) {
			this.lastCleanupNanos = this.lastClaimNanos;
			this.store.forgetDeadInstances(Duration.ofHours(1));
		}
		for (int round = 0; round < 20; round++) {
			Instant now = this.clock.instant();
			List<PollStore.ClaimedRow> rows = this.store.claim(this.owner, now,
					now.plus(this.properties.claimLookahead()), this.properties.claimBatchSize());
			for (PollStore.ClaimedRow row : rows) {
				adopt(row);
			}
			if (rows.size() < this.properties.claimBatchSize()) {
				return;
			}
		}
		this.claimRequested = true;
	}

	private void adopt(PollStore.ClaimedRow row) {
		if (row.previousOwner() != null) {
			this.metrics.takeovers.increment();
			try (LogContext context = LogContext.of(row.id(), row.deviceId())) {
				log.info("Took over pairing {} from {}", row.id(), row.previousOwner());
			}
		}
		Secret code = (row.sealedDeviceCode() != null)
				? this.box.open(row.sealedDeviceCode(), TABLE, "device_code", row.id()) : null;
		Tracked pairing = new Tracked(row.id(), row.epoch(), row.deviceId(), row.model(), row.clientVersion(),
				row.urlPairing(), row.expiresAt(), code, row.codeExpiresAt(), row.intervalSeconds(),
				row.backoffSeconds(), row.nextPollAt());
		this.tracked.put(pairing.id, pairing);
		enqueue(pairing);
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
		Map<UUID, Long> held = this.store.stillHeld(this.owner, PollStore.ids(due));
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
		if (pairing.codeIsDead(now)) {
			if (PollRules.mustExpire(pairing, now)) {
				this.results.add(new Step.Expire(pairing, now));
				return;
			}
			renewal(pairing).subscribe((answer) -> this.results.add(new Step.Renew(pairing, answer, this.clock.instant())),
					(ex) -> this.results.add(new Step.Renew(pairing, internalFailure(), this.clock.instant())));
			return;
		}
		ClientCredentials credentials;
		try {
			credentials = credentials(pairing);
		}
		catch (RuntimeException ex) {
			this.results.add(new Step.Poll(pairing, internalFailure(), null, now));
			return;
		}
		this.frameio.pollToken(credentials, pairing.deviceCode).flatMap((answer) -> {
			Instant at = this.clock.instant();
			if (answer instanceof Upstream.Rejected<TokenGrant> rejected && "expired_token".equals(rejected.error())
					&& PollRules.mayRenew(pairing, at)) {
				return renewal(pairing).map((renewed) -> (Step) new Step.Poll(pairing, answer, renewed, this.clock.instant()));
			}
			return Mono.just((Step) new Step.Poll(pairing, answer, null, at));
		}).subscribe(this.results::add,
				(ex) -> this.results.add(new Step.Poll(pairing, internalFailure(), null, this.clock.instant())));
	}

	private Mono<Upstream<DeviceCode>> renewal(Tracked pairing) {
		return Mono.defer(() -> {
			DeviceModelService.UpstreamSettings settings = this.models.upstreamSettings(pairing.model);
			return this.frameio.requestDeviceCode(
					new ClientCredentials(pairing.deviceId, settings.clientSecret(), pairing.clientVersion),
					settings.scope(), pairing.urlPairing);
		}).onErrorResume((ex) -> Mono.just(internalFailure()));
	}

	private ClientCredentials credentials(Tracked pairing) {
		return new ClientCredentials(pairing.deviceId, this.models.upstreamSettings(pairing.model).clientSecret(),
				pairing.clientVersion);
	}

	private static <T> Upstream<T> internalFailure() {
		return new Upstream.Unavailable<>("internal_error", null);
	}

	// ---- write back ------------------------------------------------------------------------

	private void write(List<Step> steps) {
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
				this.metrics.count(step);
				done(pairing);
			}
			catch (RuntimeException ex) {
				defer(List.of(step), ex);
			}
		}
		int from = 0;
		try {
			for (; from < reschedules.size(); from += this.properties.writeBatchSize()) {
				int to = Math.min(reschedules.size(), from + this.properties.writeBatchSize());
				List<PollStore.Reschedule> batch = reschedules.subList(from, to);
				boolean[] passed = this.tx.execute((status) -> this.store.reschedule(owner(), batch));
				for (int i = 0; i < batch.size(); i++) {
					Step step = rescheduled.get(from + i);
					Tracked pairing = step.pairing();
					if (passed[i]) {
						Decision.Reschedule decision = decisions.get(from + i);
						pairing.nextPollAt = decision.nextPollAt();
						pairing.intervalSeconds = decision.intervalSeconds();
						pairing.backoffSeconds = decision.backoffSeconds();
						enqueue(pairing);
					}
					else {
						forget(pairing);
					}
					this.metrics.count(step);
					done(pairing);
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

	private List<Step> withDeferred(List<Step> ready) {
		return withDeferred(ready, false);
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
				PollStore.Renewal renewal = new PollStore.Renewal(code.userCode(), code.verificationUri(),
						code.verificationUriComplete(), code.name(),
						this.box.seal(code.deviceCode(), TABLE, "device_code", pairing.id), codeExpiresAt,
						code.intervalSeconds(), nextPollAt, renew.polledAt(), issuedAt);
				boolean written = Boolean.TRUE.equals(this.tx.execute((status) -> {
					boolean ok = this.store.renew(owner(), pairing.id, pairing.epoch, renewal);
					if (ok) {
						this.audit.record(issuedAt, actor(), "pairing.code_renewed", "pairing", pairing.id.toString(),
								"userCode=" + code.userCode());
					}
					return ok;
				}));
				if (written) {
					this.metrics.renewals.increment();
					log.info("Pairing {} has a new device code, user code {}", pairing.id, code.userCode());
					pairing.deviceCode = code.deviceCode();
					pairing.codeExpiresAt = codeExpiresAt;
					pairing.intervalSeconds = code.intervalSeconds();
					pairing.backoffSeconds = 0;
					pairing.nextPollAt = nextPollAt;
					enqueue(pairing);
				}
				else {
					forget(pairing);
				}
			}
			else if (decision instanceof Decision.CodeDead dead) {
				if (this.store.codeDead(owner(), pairing.id, pairing.epoch, dead)) {
					if (pairing.codeExpiresAt == null || pairing.codeExpiresAt.isAfter(dead.diedAt())) {
						pairing.codeExpiresAt = dead.diedAt();
					}
					pairing.backoffSeconds = dead.backoffSeconds();
					pairing.nextPollAt = dead.nextAttemptAt();
					enqueue(pairing);
				}
				else {
					forget(pairing);
				}
			}
			else if (decision instanceof Decision.Finish finish) {
				boolean finished = Boolean.TRUE.equals(this.tx.execute((status) -> {
					if (!this.store.finish(owner(), pairing.id, pairing.epoch, finish)) {
						return false;
					}
					this.audit.record(finish.at(), actor(), "pairing." + finish.status().toLowerCase(), "pairing",
							pairing.id.toString(),
							(finish.failureReason() != null) ? "failureReason=" + finish.failureReason() : null);
					return true;
				}));
				if (finished) {
					this.metrics.finished(finish.status());
					log.info("Pairing {} finished as {}{}", pairing.id, finish.status(),
							(finish.failureReason() != null) ? " (" + finish.failureReason() + ")" : "");
				}
				forget(pairing);
			}
			else if (decision instanceof Decision.Authorize authorize) {
				boolean authorized = Boolean.TRUE.equals(this.tx.execute((status) -> {
					if (!this.store.authorize(pairing.id, authorize.at())) {
						return false;
					}
					this.custody.acceptAuthorization(pairing.deviceId, pairing.model, pairing.clientVersion,
							pairing.id, authorize.tokens(), authorize.at(), actor());
					this.audit.record(authorize.at(), actor(), "pairing.authorized", "pairing",
							pairing.id.toString(), "deviceId=" + pairing.deviceId);
					return true;
				}));
				if (authorized) {
					this.metrics.finished("AUTHORIZED");
					log.info("Pairing {} authorized; device {} is paired", pairing.id, pairing.deviceId);
				}
				forget(pairing);
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

	private void done(Tracked pairing) {
		if (pairing.inFlight) {
			pairing.inFlight = false;
			this.inFlight.decrementAndGet();
		}
	}

	private String actor() {
		return "engine:" + this.owner;
	}

	private record Slot(Instant at, long stamp, Tracked pairing) implements Comparable<Slot> {

		@Override
		public int compareTo(Slot other) {
			return this.at.compareTo(other.at);
		}

	}

	/** The engine's meters; names are listed in the README. */
	private static final class Metrics {

		final Timer lateness;

		final Counter takeovers;

		final Counter renewals;

		private final MeterRegistry meters;

		Metrics(MeterRegistry meters, Map<UUID, Tracked> tracked) {
			this.meters = meters;
			this.lateness = Timer.builder("gateway.poll.lateness")
				.description("How late a poll was sent versus its schedule")
				.publishPercentileHistogram()
				.register(meters);
			this.takeovers = Counter.builder("gateway.poll.lease.takeovers")
				.description("Pairings taken over from a replica whose lease ran out")
				.register(meters);
			this.renewals = Counter.builder("gateway.pairings.codes.renewed")
				.description("Device codes replaced before the pairing's deadline")
				.register(meters);
			meters.gauge("gateway.poll.tracked", tracked, Map::size);
		}

		void count(Step step) {
			String kind = (step instanceof Step.Poll) ? "poll" : (step instanceof Step.Renew) ? "renew" : "expire";
			this.meters.counter("gateway.poll.steps", "kind", kind).increment();
		}

		void finished(String status) {
			this.meters.counter("gateway.pairings.finished", "outcome", status).increment();
		}

	}

}
