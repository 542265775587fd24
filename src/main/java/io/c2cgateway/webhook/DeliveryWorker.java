package io.c2cgateway.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.system.AsyncStop;
import io.c2cgateway.system.DatabaseUnavailable;
import io.c2cgateway.system.ShutdownBudget;
import io.c2cgateway.system.ShutdownPhases;

/**
 * Delivers on every replica: claims due deliveries with {@code FOR UPDATE SKIP LOCKED} under a
 * lease (a replica that dies mid-delivery loses its claim when the lease runs out, and another
 * sends it again: at least once), sends them without holding a thread, at most
 * {@code max-concurrent} at a time, and writes each outcome fenced by the lease: delivered, again
 * after an exponential backoff with jitter, or {@code FAILED} once the retry period is over.
 * <p>
 * Rounds run every {@code every} on Spring's {@link TaskScheduler}, on every replica: not a cluster
 * job on db-scheduler, whose point is one replica per due time. Delivery wants the opposite (each
 * replica sends its share, so throughput grows with replicas) and a latency of about {@code every}
 * (500 ms), where a db-scheduler job would hand each round to one replica and look for due rounds
 * with a query per replica per {@code every}.
 */
final class DeliveryWorker implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);

	private static final String DELIVERIES = "gateway.webhooks.deliveries";

	private final WebhookStore store;

	private final WebhookSender sender;

	private final SecretBox box;

	private final Clock clock;

	private final WebhookProperties properties;

	private final ShutdownBudget shutdown;

	private final String owner;

	private final Semaphore permits;

	private final AtomicLong inFlight = new AtomicLong();

	private final AtomicLong lagMillis = new AtomicLong();

	private final Counter delivered;

	private final Counter retried;

	private final Counter failed;

	private final Counter attempts;

	/** Outcome writes are JDBC: off the network threads. */
	private final Scheduler writers = Schedulers.boundedElastic();

	private final TaskScheduler scheduler;

	/** Held by a scheduled round, so that a stop can wait for the round in hand to start its sends. */
	private final ReentrantLock round = new ReentrantLock();

	private ScheduledFuture<?> ticking;

	private long pruneAtNanos = System.nanoTime();

	private volatile boolean stopping;

	DeliveryWorker(String instanceId, WebhookStore store, WebhookSender sender, SecretBox box, Clock clock,
			WebhookProperties properties, MeterRegistry meters, ShutdownBudget shutdown, TaskScheduler scheduler) {
		this.store = store;
		this.scheduler = scheduler;
		this.sender = sender;
		this.box = box;
		this.clock = clock;
		this.properties = properties;
		this.shutdown = shutdown;
		this.owner = instanceId + "#webhooks-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
		this.permits = new Semaphore(properties.maxConcurrent());
		this.delivered = counter(meters, "delivered");
		this.retried = counter(meters, "retried");
		this.failed = counter(meters, "failed");
		this.attempts = Counter.builder("gateway.webhooks.attempts")
			.description("Webhook delivery attempts started")
			.register(meters);
		Gauge.builder("gateway.webhooks.lag", this.lagMillis, (millis) -> millis.get() / 1000.0)
			.description("Age of the oldest pending webhook delivery")
			.baseUnit("seconds")
			.register(meters);
	}

	private static Counter counter(MeterRegistry meters, String outcome) {
		return Counter.builder(DELIVERIES)
			.description("Webhook delivery attempts by outcome: delivered, retried (failed, again later), failed (given up)")
			.tag("outcome", outcome)
			.register(meters);
	}

	/**
	 * One round, also for tests that drive it by hand: claims what is due now (domain time), as much
	 * as free permits allow, and starts sending it. Does not wait for answers.
	 *
	 * @return the number of deliveries started
	 */
	int runOnce() {
		int started = 0;
		while (!this.stopping) {
			int free = Math.min(this.permits.availablePermits(), this.properties.batchSize());
			if (free == 0) {
				break;
			}
			List<WebhookStore.Claimed> claimed = this.store.claim(this.owner, this.properties.leaseTtl(),
					this.clock.instant(), free);
			for (WebhookStore.Claimed delivery : claimed) {
				this.permits.acquireUninterruptibly();
				start(delivery);
				started++;
			}
			if (claimed.size() < free) {
				break;
			}
		}
		refreshLag();
		if (System.nanoTime() - this.pruneAtNanos >= 0) {
			this.pruneAtNanos = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
			pruneFinished();
		}
		return started;
	}

	/**
	 * Deletes finished deliveries older than {@code keep-finished}, in batches; every replica does it
	 * now and then, and deleting what another replica deleted is nothing. Returns how many.
	 */
	int pruneFinished() {
		int pruned = 0;
		try {
			Instant before = this.clock.instant().minus(this.properties.keepFinished());
			for (int batch = this.store.pruneFinished(before, 1000); batch > 0; batch = this.store.pruneFinished(before,
					1000)) {
				pruned += batch;
			}
		}
		catch (RuntimeException ex) {
			log.warn("Pruning finished webhook deliveries failed: {}", ex.getClass().getSimpleName());
		}
		return pruned;
	}

	/** Deliveries sent and not answered yet. */
	long inFlight() {
		return this.inFlight.get();
	}

	/** Waits until nothing is in flight; false when {@code limit} passed first. */
	boolean awaitIdle(Duration limit) throws InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		while (this.inFlight.get() > 0) {
			if (System.nanoTime() > deadline) {
				return false;
			}
			Thread.sleep(5);
		}
		return true;
	}

	private void start(WebhookStore.Claimed delivery) {
		this.inFlight.incrementAndGet();
		this.attempts.increment();
		try {
			List<Secret> secrets = new ArrayList<>(2);
			secrets.add(this.box.open(delivery.sealedSecret(), WebhookStore.TABLE, WebhookStore.SECRET,
					delivery.endpointId()));
			if (delivery.sealedPrevious() != null) {
				secrets.add(this.box.open(delivery.sealedPrevious(), WebhookStore.TABLE, WebhookStore.PREVIOUS_SECRET,
						delivery.endpointId()));
			}
			String id = delivery.eventId().toString();
			long timestamp = this.clock.instant().getEpochSecond();
			this.sender
				.send(delivery.url(), id, timestamp, Signatures.header(secrets, id, timestamp, delivery.payload()),
						delivery.payload())
				.publishOn(this.writers)
				.subscribe((status) -> finish(delivery, status, null), (error) -> finish(delivery, null, error));
		}
		catch (RuntimeException ex) {
			// An unreadable secret (no key opens it) or a malformed URL: an attempt that failed here.
			finish(delivery, null, ex);
		}
	}

	private void finish(WebhookStore.Claimed delivery, Integer status, Throwable error) {
		try {
			Instant now = this.clock.instant();
			if (status != null && status >= 200 && status < 300) {
				if (this.store.delivered(delivery.id(), this.owner, status, now)) {
					this.delivered.increment();
				}
				return;
			}
			String reason = (error != null) ? describe(error) : "HTTP " + status;
			Instant next = nextAttempt(delivery.attempts(), now, delivery.giveUpAt());
			if (this.store.attemptFailed(delivery.id(), this.owner, status, reason, next)) {
				if (next != null) {
					this.retried.increment();
				}
				else {
					this.failed.increment();
					log.warn("Webhook delivery {} ({}) FAILED after {} attempts: {}", delivery.id(), delivery.eventType(),
							delivery.attempts(), reason);
				}
			}
		}
		catch (RuntimeException ex) {
			// The lease runs out and the delivery is sent again: at least once, never lost.
			log.warn("Writing the outcome of webhook delivery {} failed: {}", delivery.id(), ex.getClass().getSimpleName());
		}
		finally {
			this.inFlight.decrementAndGet();
			this.permits.release();
		}
	}

	private static String describe(Throwable error) {
		if (error instanceof SecretBox.CryptoException) {
			return "undecryptable_secret";
		}
		if (error instanceof IllegalArgumentException) {
			return "malformed_url";
		}
		return WebhookSender.describe(error);
	}

	/**
	 * When to try again after the attempt number {@code attempt} failed at {@code now}: the base
	 * doubling per attempt up to the cap, a random half of it taken off (jitter spreads receivers'
	 * recoveries), never past {@code giveUpAt}; null once {@code giveUpAt} is reached.
	 */
	Instant nextAttempt(int attempt, Instant now, Instant giveUpAt) {
		if (!now.isBefore(giveUpAt)) {
			return null;
		}
		long base = this.properties.backoffBase().toMillis();
		long cap = this.properties.backoffCap().toMillis();
		long delay = base << Math.min(Math.max(attempt - 1, 0), 30);
		if (delay <= 0 || delay > cap) {
			delay = cap;
		}
		long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
		Instant next = now.plusMillis(jittered);
		return next.isAfter(giveUpAt) ? giveUpAt : next;
	}

	private void refreshLag() {
		try {
			Instant oldest = this.store.oldestPending();
			this.lagMillis.set((oldest != null) ? Math.max(0, Duration.between(oldest, this.clock.instant()).toMillis()) : 0);
		}
		catch (RuntimeException ex) {
			log.debug("Webhook lag not measured", ex);
		}
	}

	private void tick() {
		if (this.stopping || this.shutdown.started() || !this.round.tryLock()) {
			return;
		}
		try {
			runOnce();
		}
		catch (RuntimeException ex) {
			// A failed round (database down, say) must not end the worker; the next one retries. A bug
			// gets its trace; an outage is known and would print one per round.
			log.atWarn()
				.setCause(DatabaseUnavailable.is(ex) ? null : ex)
				.log("A webhook delivery round failed: {}", ex.getClass().getSimpleName());
		}
		finally {
			this.round.unlock();
		}
	}

	@Override
	public synchronized void start() {
		if (!this.properties.enabled() || this.ticking != null) {
			return;
		}
		this.stopping = false;
		Duration every = this.properties.every();
		// At a fixed rate, not delay: Spring runs fixed-delay tasks on its one scheduler thread, where
		// other tasks would hold rounds up. A round still in hand when the next is due skips that one.
		this.ticking = this.scheduler.scheduleAtFixedRate(this::tick, this.scheduler.getClock().instant().plus(every),
				every);
	}

	@Override
	public int getPhase() {
		return ShutdownPhases.DRAIN;
	}

	/** Claims nothing more; reports once the deliveries in flight are answered or the drain deadline passed. */
	@Override
	public synchronized void stop(Runnable callback) {
		ScheduledFuture<?> stopped = this.ticking;
		this.ticking = null;
		this.stopping = true;
		if (stopped == null) {
			callback.run();
			return;
		}
		// Not interrupted: a round in hand ends by itself, since it claims nothing more once stopping.
		stopped.cancel(false);
		AsyncStop.inBackground("webhooks-stop", () -> {
			long deadline = this.shutdown.drainDeadline();
			if (this.round.tryLock(ShutdownBudget.until(deadline).toMillis(), TimeUnit.MILLISECONDS)) {
				this.round.unlock();
			}
			if (!awaitIdle(ShutdownBudget.until(deadline))) {
				log.warn("Webhook deliveries still in flight at the shutdown deadline; their leases run out and "
						+ "another replica sends them again");
			}
		}, callback);
	}

	@Override
	public void stop() {
		AsyncStop.andWait(this::stop);
	}

	@Override
	public synchronized boolean isRunning() {
		return this.ticking != null;
	}

}
