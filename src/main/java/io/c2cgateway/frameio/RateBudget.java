package io.c2cgateway.frameio;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.http.HttpHeaders;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.stereotype.Component;

import io.c2cgateway.system.InstanceIdentity;
import io.c2cgateway.system.InvalidConfigurationException;

/**
 * One rate budget for every call to Frame.io, shared by all replicas through PostgreSQL.
 * <p>
 * Frame.io limits calls per user and endpoint, and a whole fleet of a model calls under that
 * model's credentials: a 429 (or {@code x-ratelimit-remaining: 0}) on an endpoint pauses that
 * endpoint for the model on every replica until {@code Retry-After}, else the end of
 * {@code x-ratelimit-window}, else for 1 s doubling to 60 s. When a pause ends, one call goes first
 * and the rest follow only if it was not limited again, so a fleet does not stampede back. Calls
 * wait (briefly: a pause longer than {@code maxWait} is answered at once as rate limited, without a
 * call) in priority order: refreshes and revocations, then polls, then new device codes. With
 * {@code maxRate} set, every call also needs a token of one bucket that all replicas draw from.
 * <p>
 * Pauses are in domain time (the injected clock), like every poll schedule they interact with.
 */
@Component
class RateBudget implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(RateBudget.class);

	/** Without Retry-After or a window, a pause starts at one second, as Frame.io recommends. */
	static final Duration FIRST_PAUSE = Duration.ofSeconds(1);

	/** A probe whose answer never settled (it should, whatever happens) frees its endpoint after this. */
	private static final long PROBE_TTL_NANOS = Duration.ofSeconds(30).toNanos();

	private static final long TICK_MILLIS = 20;

	/** Order of service while calls wait. */
	enum Priority {

		/** Token refreshes and revocations: a device is waiting, or tokens must die. */
		CUSTODY,

		POLL,

		NEW_CODE

	}

	private final RateBudgetStore store;

	private final Clock clock;

	private final RateBudgetProperties properties;

	private final MeterRegistry meters;

	private final String instance;

	private final ThreadPoolTaskScheduler executor;

	/** True when this budget made its scheduler itself (outside Spring) and so shuts it down. */
	private final boolean ownExecutor;

	private final List<ScheduledFuture<?>> periodic = new ArrayList<>();

	private final Map<String, Gate> gates = new ConcurrentHashMap<>();

	private final TreeSet<Waiter> waiters = new TreeSet<>(
			Comparator.comparing((Waiter waiter) -> waiter.priority).thenComparingLong((waiter) -> waiter.sequence));

	private long sequence;

	private final double burst;

	private final int chunk;

	private int tokens;

	private long tokensExpireNanos;

	private boolean fetching;

	private long nextFetchNanos;

	/** Without a database (a lone client in a test), the cap is a bucket in memory. */
	private double memoryBucket;

	private long memoryRefilledNanos = System.nanoTime();

	@Autowired
	RateBudget(RateBudgetStore store, Clock clock, RateBudgetProperties properties, MeterRegistry meters,
			InstanceIdentity instance, @Qualifier("frameioRateBudgetScheduler") ThreadPoolTaskScheduler executor) {
		this(store, clock, properties, meters, instance.id(), executor);
	}

	/** A budget outside Spring, with a scheduler of its own that {@link #destroy()} shuts down. */
	RateBudget(RateBudgetStore store, Clock clock, RateBudgetProperties properties, MeterRegistry meters,
			String instance) {
		this(store, clock, properties, meters, instance, null);
	}

	private RateBudget(RateBudgetStore store, Clock clock, RateBudgetProperties properties, MeterRegistry meters,
			String instance, ThreadPoolTaskScheduler executor) {
		if (!(properties.maxRate() >= 0) || Double.isInfinite(properties.maxRate())) {
			throw new InvalidConfigurationException("GATEWAY_FRAMEIO_MAX_RATE must be a number of calls per second, "
					+ "0 for no cap (was " + properties.maxRate() + ")");
		}
		this.store = store;
		this.clock = clock;
		this.properties = properties;
		this.meters = meters;
		this.instance = instance;
		this.burst = Math.max(1, properties.maxRate());
		// A tenth of a second's worth at a time: few database round trips, little hoarding.
		this.chunk = (int) Math.max(1, Math.ceil(properties.maxRate() / 10));
		this.memoryBucket = this.burst;
		this.ownExecutor = executor == null;
		if (this.ownExecutor) {
			executor = scheduler(new ThreadPoolTaskSchedulerBuilder());
			executor.initialize();
		}
		this.executor = executor;
		Duration tick = Duration.ofMillis(TICK_MILLIS);
		this.periodic.add(executor.scheduleWithFixedDelay(this::tick, executor.getClock().instant().plus(tick), tick));
		if (store != null) {
			Duration sync = Duration.ofMillis(Math.max(50, properties.syncInterval().toMillis()));
			this.periodic
				.add(executor.scheduleWithFixedDelay(this::sync, executor.getClock().instant().plus(sync), sync));
		}
		meters.gauge("gateway.frameio.rate.paused", this, RateBudget::pausedEndpoints);
		meters.gauge("gateway.frameio.rate.waiting", this, RateBudget::waiting);
	}

	/** The one thread a budget's ticks, syncs and database calls run on, one after another. */
	static ThreadPoolTaskScheduler scheduler(ThreadPoolTaskSchedulerBuilder builder) {
		ThreadPoolTaskScheduler scheduler = builder.poolSize(1)
			.awaitTermination(false)
			.awaitTerminationPeriod(null)
			.threadNamePrefix("frameio-rate-budget-")
			.build();
		scheduler.setAcceptTasksAfterContextClose(true);
		scheduler.setRemoveOnCancelPolicy(true);
		scheduler.setDaemon(true);
		return scheduler;
	}

	/** A budget for one process alone, with no cap: pauses are kept in memory only. */
	static RateBudget local(Clock clock, MeterRegistry meters) {
		return new RateBudget(null, clock, RateBudgetProperties.defaults(), meters, "local");
	}

	private boolean capped() {
		return this.properties.maxRate() > 0;
	}

	/**
	 * Permission for one call: at once when nothing stands in the way, after a wait of at most
	 * {@code maxWait}, or a refusal carrying how long the endpoint stays paused.
	 */
	Mono<Ticket> acquire(String model, String endpoint, Priority priority) {
		Gate gate = gate(model, endpoint);
		Ticket now;
		synchronized (this) {
			now = tryAtOnce(gate);
		}
		if (now != null) {
			if (!now.go()) {
				record(gate, "paused", false, 0);
			}
			return Mono.just(now);
		}
		return Mono.create((sink) -> enqueue(gate, priority, sink));
	}

	/**
	 * What an answer says about the budget: a 429 or an exhausted window pauses the endpoint.
	 *
	 * @return how long the endpoint is paused from now, or null when the answer paused nothing
	 */
	Duration observe(Ticket ticket, int status, HttpHeaders headers) {
		Long remaining = longHeader(headers, "x-ratelimit-remaining");
		boolean limited = status == 429;
		if (!limited && (remaining == null || remaining > 0)) {
			return null;
		}
		Duration stated = FrameioClient.retryAfter(headers);
		if (stated == null || stated.isZero()) {
			Long window = longHeader(headers, "x-ratelimit-window");
			stated = (window != null && window > 0) ? Duration.ofMillis(window) : null;
		}
		return pause(ticket.gate, stated, limited ? "rate_limited" : "remaining_zero");
	}

	/** The call is over, whatever its outcome: a probe frees its endpoint unless it paused it again. */
	void done(Ticket ticket) {
		if (ticket.probe()) {
			synchronized (this) {
				if (ticket.gate.probing) {
					ticket.gate.probing = false;
				}
			}
		}
		dispatch();
	}

	private Ticket tryAtOnce(Gate gate) {
		Instant now = this.clock.instant();
		Duration paused = gate.remaining(now);
		if (paused != null) {
			return (paused.compareTo(this.properties.maxWait()) > 0) ? Ticket.refused(gate, paused) : null;
		}
		if (gate.probing(System.nanoTime())) {
			return null;
		}
		if (capped() && (!this.waiters.isEmpty() || !takeToken(System.nanoTime()))) {
			return null;
		}
		return open(gate, System.nanoTime());
	}

	/** Lets a call through an open endpoint; the first after a pause is the probe. */
	private Ticket open(Gate gate, long nanos) {
		if (gate.until != null) {
			gate.until = null;
			gate.probing = true;
			gate.probeSince = nanos;
			return Ticket.go(gate, true);
		}
		return Ticket.go(gate, false);
	}

	private void enqueue(Gate gate, Priority priority, MonoSink<Ticket> sink) {
		Waiter waiter;
		synchronized (this) {
			waiter = new Waiter(gate, priority, this.sequence++, sink, System.nanoTime());
			this.waiters.add(waiter);
		}
		sink.onCancel(() -> {
			synchronized (this) {
				this.waiters.remove(waiter);
			}
		});
		dispatch();
	}

	/** Serves waiting calls in priority order; completes them outside the lock. */
	private void dispatch() {
		List<Runnable> release = new ArrayList<>();
		synchronized (this) {
			if (this.waiters.isEmpty()) {
				return;
			}
			Instant now = this.clock.instant();
			long nanos = System.nanoTime();
			long maxWait = this.properties.maxWait().toNanos();
			boolean capExhausted = false;
			for (Iterator<Waiter> it = this.waiters.iterator(); it.hasNext();) {
				Waiter waiter = it.next();
				Gate gate = waiter.gate;
				boolean late = nanos - waiter.since >= maxWait;
				Duration paused = gate.remaining(now);
				if (paused != null || gate.probing(nanos)) {
					if (late) {
						it.remove();
						Duration retryAfter = (paused != null) ? paused : FIRST_PAUSE;
						release.add(() -> finish(waiter, Ticket.refused(gate, retryAfter), "paused", nanos));
					}
					continue;
				}
				if (capped() && (capExhausted || !takeToken(nanos))) {
					// Lower priorities wait behind this one: a token that comes is for the first in line.
					capExhausted = true;
					if (late) {
						it.remove();
						release.add(() -> finish(waiter, Ticket.refused(gate, FIRST_PAUSE), "cap", nanos));
					}
					continue;
				}
				it.remove();
				Ticket ticket = open(gate, nanos);
				release.add(() -> finish(waiter, ticket, ticket.probe() ? "probe" : (capped() ? "cap" : "paused"), nanos));
			}
		}
		release.forEach(Runnable::run);
	}

	private void finish(Waiter waiter, Ticket ticket, String reason, long nanos) {
		record(waiter.gate, reason, ticket.go(), nanos - waiter.since);
		waiter.sink.success(ticket);
	}

	private void record(Gate gate, String reason, boolean sent, long waitedNanos) {
		Timer.builder("gateway.frameio.rate.waits")
			.description("Calls to Frame.io that waited for the rate budget, and those refused without a call")
			.tags("endpoint", gate.endpoint, "reason", reason, "outcome", sent ? "sent" : "refused")
			.register(this.meters)
			.record(Math.max(0, waitedNanos), TimeUnit.NANOSECONDS);
	}

	private synchronized Duration pause(Gate gate, Duration stated, String cause) {
		Instant now = this.clock.instant();
		Duration length;
		if (stated != null && !stated.isZero() && !stated.isNegative()) {
			length = stated;
		}
		else {
			Duration current = gate.remaining(now);
			if (current != null) {
				// An answer to a call sent before the pause began: the pause stands, no doubling.
				return current;
			}
			boolean recent = gate.lastPauseEnd != null
					&& now.isBefore(gate.lastPauseEnd.plus(this.properties.maxPause()));
			Duration doubled = (recent && gate.backoff != null) ? gate.backoff.multipliedBy(2) : FIRST_PAUSE;
			length = (doubled.compareTo(this.properties.maxPause()) > 0) ? this.properties.maxPause() : doubled;
			gate.backoff = length;
		}
		Instant until = now.plus(length);
		if (gate.until == null || until.isAfter(gate.until)) {
			gate.until = until;
		}
		gate.lastPauseEnd = gate.until;
		gate.probing = false;
		this.meters.counter("gateway.frameio.rate.pauses", "endpoint", gate.endpoint, "cause", cause, "origin", "local")
			.increment();
		log.warn("Frame.io rate limit: {} calls of model {} paused until {} ({})", gate.endpoint, gate.model, gate.until,
				cause);
		if (this.store != null) {
			Instant pausedUntil = gate.until;
			Duration backoff = (gate.backoff != null) ? gate.backoff : FIRST_PAUSE;
			this.executor.execute(() -> share(gate, pausedUntil, backoff, cause));
		}
		return Duration.between(now, gate.until);
	}

	private void share(Gate gate, Instant until, Duration backoff, String cause) {
		try {
			this.store.pause(gate.model, gate.endpoint, until, backoff, cause, this.instance);
		}
		catch (RuntimeException ex) {
			// The pause holds here; the others learn of it from their own 429s meanwhile.
			log.warn("Could not share a Frame.io rate-limit pause: {}", ex.getClass().getSimpleName());
		}
	}

	/** Takes the pauses other replicas recorded. */
	private void sync() {
		List<RateBudgetStore.Pause> pauses;
		try {
			pauses = this.store.activePauses(this.clock.instant());
		}
		catch (RuntimeException ex) {
			log.debug("Reading the shared rate-limit pauses failed: {}", ex.getClass().getSimpleName());
			return;
		}
		synchronized (this) {
			for (RateBudgetStore.Pause pause : pauses) {
				Gate gate = gate(pause.model(), pause.endpoint());
				if (gate.until == null || pause.until().isAfter(gate.until)) {
					boolean wasOpen = gate.until == null;
					gate.until = pause.until();
					gate.lastPauseEnd = pause.until();
					gate.backoff = pause.backoff();
					gate.probing = false;
					if (wasOpen) {
						this.meters
							.counter("gateway.frameio.rate.pauses", "endpoint", gate.endpoint, "cause", "shared", "origin",
									"cluster")
							.increment();
					}
				}
			}
		}
		dispatch();
	}

	/** Reads the pauses the others recorded now, instead of at the next sync; for tests. */
	void syncNow() {
		if (this.store != null) {
			sync();
		}
	}

	private void tick() {
		try {
			dispatch();
		}
		catch (RuntimeException ex) {
			log.warn("Rate budget dispatch failed: {}", ex.getClass().getSimpleName());
		}
	}

	/** Under the lock: one token of the cap, if this replica holds one; else starts fetching more. */
	private boolean takeToken(long nanos) {
		if (this.tokens > 0 && nanos < this.tokensExpireNanos) {
			this.tokens--;
			return true;
		}
		this.tokens = 0;
		if (!this.fetching && nanos >= this.nextFetchNanos) {
			this.fetching = true;
			this.executor.execute(this::fetchTokens);
		}
		return false;
	}

	private void fetchTokens() {
		int granted;
		try {
			granted = (this.store != null) ? this.store.take(this.chunk, this.properties.maxRate(), this.burst)
					: fromMemory(this.chunk);
		}
		catch (RuntimeException ex) {
			// Without the database the cap cannot be shared: this replica keeps to it alone rather than stall.
			log.debug("Taking rate tokens from the database failed: {}", ex.getClass().getSimpleName());
			granted = fromMemory(this.chunk);
		}
		long nanos = System.nanoTime();
		synchronized (this) {
			this.fetching = false;
			if (granted > 0) {
				this.tokens += granted;
				// Tokens not used within a second go back to nobody: holding them would starve the others.
				this.tokensExpireNanos = nanos + TimeUnit.SECONDS.toNanos(1);
				this.nextFetchNanos = nanos;
			}
			else {
				this.nextFetchNanos = nanos + (long) Math.max(TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS),
						Math.min(TimeUnit.MILLISECONDS.toNanos(250), 1e9 / this.properties.maxRate() / 2));
			}
		}
		dispatch();
	}

	private synchronized int fromMemory(int want) {
		long nanos = System.nanoTime();
		this.memoryBucket = Math.min(this.burst,
				this.memoryBucket + (nanos - this.memoryRefilledNanos) / 1e9 * this.properties.maxRate());
		this.memoryRefilledNanos = nanos;
		int granted = (int) Math.max(0, Math.min(Math.floor(this.memoryBucket), want));
		this.memoryBucket -= granted;
		return granted;
	}

	private Gate gate(String model, String endpoint) {
		return this.gates.computeIfAbsent(model + ' ' + endpoint, (key) -> new Gate(model, endpoint));
	}

	private synchronized int pausedEndpoints() {
		Instant now = this.clock.instant();
		return (int) this.gates.values().stream().filter((gate) -> gate.remaining(now) != null).count();
	}

	private synchronized int waiting() {
		return this.waiters.size();
	}

	private static Long longHeader(HttpHeaders headers, String name) {
		String value = headers.getFirst(name);
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			return Long.valueOf(value.trim());
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	@Override
	public void destroy() {
		if (this.ownExecutor) {
			this.executor.shutdown();
			return;
		}
		this.periodic.forEach((task) -> task.cancel(true));
	}

	/** Permission for one call, or a refusal saying how long the endpoint stays paused. */
	record Ticket(boolean go, Duration retryAfter, Gate gate, boolean probe) {

		static Ticket go(Gate gate, boolean probe) {
			return new Ticket(true, null, gate, probe);
		}

		static Ticket refused(Gate gate, Duration retryAfter) {
			return new Ticket(false, retryAfter, gate, false);
		}

	}

	/** One endpoint of one model; guarded by the budget's lock. */
	static final class Gate {

		final String model;

		final String endpoint;

		/** Paused until then; after it, not null until the probe went. */
		Instant until;

		Instant lastPauseEnd;

		Duration backoff;

		boolean probing;

		long probeSince;

		Gate(String model, String endpoint) {
			this.model = model;
			this.endpoint = endpoint;
		}

		Duration remaining(Instant now) {
			return (this.until != null && now.isBefore(this.until)) ? Duration.between(now, this.until) : null;
		}

		boolean probing(long nanos) {
			if (this.probing && nanos - this.probeSince > PROBE_TTL_NANOS) {
				this.probing = false;
			}
			return this.probing;
		}

	}

	private record Waiter(Gate gate, Priority priority, long sequence, MonoSink<Ticket> sink, long since) {
	}

}
