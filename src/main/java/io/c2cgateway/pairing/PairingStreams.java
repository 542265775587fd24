package io.c2cgateway.pairing;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.http.MediaType;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import io.c2cgateway.security.ApiKeyService;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.LimitReached;

/**
 * Open event streams of pairings on this replica. A stream is an {@link SseEmitter} parked in the
 * servlet container. Change notices (from {@link PairingChangeListener}, for changes made by any
 * replica) trigger one read of the row per pairing, however many streams watch it, on a few
 * reader threads ({@link PairingConfiguration#pairingEventsReadExecutor}); the row read, not the notice, decides what is sent, so merged or lost notices
 * still end with the latest state. Every keep-alive tick also compares the watched pairings'
 * versions with the database, which repairs anything a lost listener connection missed.
 * <p>
 * Nothing here waits for a client. Each stream has an outbox of at most one event (the newest
 * state: the contract lets changes be merged) and one keep-alive line, written by that stream's
 * own sender (a thread only while there is something to write: a virtual one where virtual
 * threads are on; {@link PairingConfiguration#pairingEventsSendExecutor}). A client that stops reading blocks its own sender and nobody else; once one
 * send has waited longer than {@code gateway.pairings.events-send-timeout}, the stream is dropped
 * and counted in {@code gateway.pairings.streams.dropped}. The container's write timeout
 * ({@code server.tomcat.connection-timeout}) then fails the blocked write, which frees the thread
 * and the connection; the client reconnects and gets the current state at once.
 */
@Component
class PairingStreams implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(PairingStreams.class);

	/** A stream outlives its pairing's deadline by this much before the client has to reconnect. */
	private static final Duration GRACE = Duration.ofMinutes(5);

	private static final Duration LONGEST = Duration.ofHours(25);

	private final PairingStore store;

	private final Clock clock;

	private final Duration keepAlive;

	private final Duration sendTimeout;

	private final TaskScheduler scheduler;

	private final Executor readers;

	private final Executor senders;

	private final Counter droppedStalled;

	private final Map<UUID, Set<Stream>> streams = new ConcurrentHashMap<>();

	/** Open streams per API key on this replica. */
	private final Map<UUID, AtomicInteger> perKey = new ConcurrentHashMap<>();

	private final int maxPerKey;

	private final Duration keyCheck;

	private final ApiKeyService keys;

	private final AtomicBoolean keyCheckQueued = new AtomicBoolean();

	private volatile ScheduledFuture<?> keyChecks;

	private final Set<UUID> refreshQueued = ConcurrentHashMap.newKeySet();

	private final AtomicBoolean resyncQueued = new AtomicBoolean();

	private volatile ScheduledFuture<?> keepAliveTicks;

	private volatile ScheduledFuture<?> stallChecks;

	private volatile boolean running;

	PairingStreams(PairingStore store, Clock clock, PairingProperties properties, MeterRegistry meters,
			TaskScheduler scheduler, @Qualifier("pairingEventsReadExecutor") Executor readers,
			@Qualifier("pairingEventsSendExecutor") Executor senders, ApiKeyService keys) {
		this.store = store;
		this.keys = keys;
		this.maxPerKey = properties.eventsPerKey();
		this.keyCheck = properties.eventsKeyCheck();
		this.clock = clock;
		this.keepAlive = properties.eventsKeepAlive();
		this.sendTimeout = properties.eventsSendTimeout();
		this.scheduler = scheduler;
		this.readers = readers;
		this.senders = senders;
		meters.gauge("gateway.pairings.streams.open", this, PairingStreams::openStreams);
		this.droppedStalled = Counter.builder("gateway.pairings.streams.dropped")
			.description("Event streams ended because their client stopped reading")
			.tag("reason", "stalled")
			.register(meters);
	}

	/**
	 * A stream that starts with {@code current} (already checked visible to {@code caller}); 429
	 * {@code too_many_streams} when the caller's key holds its limit of streams here already.
	 */
	SseEmitter open(Pairing current, Caller caller) {
		StreamEmitter emitter = new StreamEmitter(timeoutFor(current).toMillis());
		if (!this.running) {
			// Nothing is written before the container takes the emitter, so neither call waits.
			try {
				emitter.send(event(current));
			}
			catch (IOException ex) {
				// not written yet, so it cannot fail
			}
			emitter.complete();
			return emitter;
		}
		AtomicInteger held = this.perKey.computeIfAbsent(caller.keyId(), (id) -> new AtomicInteger());
		if (held.incrementAndGet() > this.maxPerKey) {
			held.decrementAndGet();
			throw new LimitReached("too_many_streams",
					"This API key has " + this.maxPerKey + " event streams open on this replica already",
					Duration.ofSeconds(5));
		}
		Stream stream = new Stream(current.id(), caller.keyId(), emitter);
		emitter.onCompletion(() -> {
			stream.gone();
			forget(stream);
		});
		emitter.onError((ex) -> {
			stream.gone();
			forget(stream);
		});
		emitter.onTimeout(() -> {
			stream.close();
			forget(stream);
		});
		this.streams.compute(current.id(), (id, watching) -> {
			Set<Stream> set = (watching != null) ? watching : ConcurrentHashMap.newKeySet();
			set.add(stream);
			return set;
		});
		if (!this.running) {
			// stop() ran in between and did not see it.
			stream.close();
			forget(stream);
			return emitter;
		}
		// Registered first, read second: a change committed in between is either in this read or noticed.
		Pairing fresh = this.store.find(current.id()).filter((p) -> p.version() >= current.version()).orElse(current);
		stream.offer(fresh);
		return emitter;
	}

	int openStreams() {
		return this.streams.values().stream().mapToInt(Set::size).sum();
	}

	/** A notice that a pairing's version changed, on any replica. */
	void changed(UUID id, long version) {
		Set<Stream> watching = this.streams.get(id);
		if (watching == null) {
			return;
		}
		for (Stream stream : watching) {
			if (stream.newest() < version) {
				queueRefresh(id);
				return;
			}
		}
	}

	/** Compares every watched pairing with the database; after a gap in notices, or every tick. */
	void resync() {
		if (this.streams.isEmpty()) {
			return;
		}
		Map<UUID, Long> versions = this.store.versions(List.copyOf(this.streams.keySet()));
		for (Map.Entry<UUID, Set<Stream>> entry : this.streams.entrySet()) {
			Long version = versions.get(entry.getKey());
			if (version == null) {
				queueRefresh(entry.getKey());
				continue;
			}
			changed(entry.getKey(), version);
		}
	}

	private void queueRefresh(UUID id) {
		Executor pool = this.readers;
		if (!this.running || !this.refreshQueued.add(id)) {
			return;
		}
		try {
			pool.execute(() -> {
				// Cleared before the read, so a notice arriving during it queues another read.
				this.refreshQueued.remove(id);
				refresh(id);
			});
		}
		catch (TaskRejectedException stopped) {
			this.refreshQueued.remove(id);
		}
	}

	private void refresh(UUID id) {
		Set<Stream> watching = this.streams.get(id);
		if (watching == null || watching.isEmpty()) {
			return;
		}
		Optional<Pairing> pairing;
		try {
			pairing = this.store.find(id);
		}
		catch (RuntimeException ex) {
			if (!this.running) {
				return;
			}
			// The next keep-alive tick compares versions again.
			log.warn("Could not read pairing {} for its event streams: {}", id, ex.getClass().getSimpleName());
			return;
		}
		for (Stream stream : watching) {
			if (pairing.isPresent()) {
				stream.offer(pairing.get());
			}
			else {
				// Deleted by retention: nothing more will happen to it.
				stream.close();
				forget(stream);
			}
		}
	}

	/** Every keep-alive interval: a comment line for every stream, and a version check. */
	private void keepAlive() {
		for (Set<Stream> watching : this.streams.values()) {
			for (Stream stream : watching) {
				if (stream.isEnded()) {
					// A client that left without the container telling us yet.
					forget(stream);
				}
				else {
					stream.ping();
				}
			}
		}
		Executor pool = this.readers;
		if (!this.running || !this.resyncQueued.compareAndSet(false, true)) {
			return;
		}
		try {
			// On a reader thread: the scheduler's thread must not wait for the database.
			pool.execute(() -> {
				try {
					resync();
				}
				catch (RuntimeException ex) {
					log.warn("Could not compare watched pairings with the database: {}",
							ex.getClass().getSimpleName());
				}
				finally {
					this.resyncQueued.set(false);
				}
			});
		}
		catch (TaskRejectedException stopped) {
			this.resyncQueued.set(false);
		}
	}

	/** On a reader thread: the scheduler's thread must not wait for the database. */
	private void queueKeyCheck() {
		Executor pool = this.readers;
		if (!this.running || this.perKey.isEmpty() || !this.keyCheckQueued.compareAndSet(false, true)) {
			return;
		}
		try {
			pool.execute(() -> {
				try {
					endStreamsOfDeletedKeys();
				}
				catch (RuntimeException ex) {
					log.warn("Could not check the keys of open event streams: {}", ex.getClass().getSimpleName());
				}
				finally {
					this.keyCheckQueued.set(false);
				}
			});
		}
		catch (TaskRejectedException stopped) {
			this.keyCheckQueued.set(false);
		}
	}

	/** Ends the streams whose key was deleted, on whichever replica that happened. */
	void endStreamsOfDeletedKeys() {
		Set<UUID> holders = Set.copyOf(this.perKey.keySet());
		if (holders.isEmpty()) {
			return;
		}
		Set<UUID> valid = this.keys.stillValid(holders);
		if (valid.size() == holders.size()) {
			return;
		}
		for (Set<Stream> watching : this.streams.values()) {
			for (Stream stream : watching) {
				if (!valid.contains(stream.keyId)) {
					stream.close();
					forget(stream);
					log.info("Ended an event stream of pairing {}: its API key was deleted", stream.pairingId);
				}
			}
		}
	}

	/** Drops every stream whose send has been waiting longer than the bound. */
	private void checkStalls() {
		long now = System.nanoTime();
		for (Set<Stream> watching : this.streams.values()) {
			for (Stream stream : watching) {
				if (stream.sendingLongerThan(this.sendTimeout, now)) {
					drop(stream);
				}
			}
		}
	}

	private void drop(Stream stream) {
		if (stream.abandon()) {
			this.droppedStalled.increment();
			log.info("Dropped the event stream of pairing {}: its client has not taken a send for {}s",
					stream.pairingId, this.sendTimeout.toSeconds());
		}
		forget(stream);
	}

	private void forget(Stream stream) {
		if (stream.uncount()) {
			this.perKey.computeIfPresent(stream.keyId, (id, held) -> (held.decrementAndGet() <= 0) ? null : held);
		}
		this.streams.computeIfPresent(stream.pairingId, (id, watching) -> {
			watching.remove(stream);
			return watching.isEmpty() ? null : watching;
		});
	}

	private Duration timeoutFor(Pairing pairing) {
		Duration left = Duration.between(this.clock.instant(), pairing.expiresAt()).plus(GRACE);
		if (left.compareTo(GRACE) < 0) {
			return GRACE;
		}
		return (left.compareTo(LONGEST) > 0) ? LONGEST : left;
	}

	private static SseEmitter.SseEventBuilder event(Pairing pairing) {
		return SseEmitter.event()
			.id(Long.toString(pairing.version()))
			.name("pairing")
			.data(pairing, MediaType.APPLICATION_JSON);
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.keepAliveTicks = this.scheduler.scheduleAtFixedRate(this::keepAlive,
				this.scheduler.getClock().instant().plus(this.keepAlive), this.keepAlive);
		Duration every = this.sendTimeout.dividedBy(4);
		every = (every.compareTo(Duration.ofSeconds(1)) > 0) ? Duration.ofSeconds(1) : every;
		this.stallChecks = this.scheduler.scheduleAtFixedRate(this::checkStalls,
				this.scheduler.getClock().instant().plus(every), every);
		this.keyChecks = this.scheduler.scheduleAtFixedRate(this::queueKeyCheck,
				this.scheduler.getClock().instant().plus(this.keyCheck), this.keyCheck);
	}

	/**
	 * Ends every open stream before the web server's graceful shutdown (which stops later, in a
	 * lower phase), so open streams do not hold it up; clients reconnect to another replica. Waits
	 * for nothing: a stream whose send is blocked by its client is ended by that send's sender
	 * when the write returns or fails (the container's write timeout).
	 */
	@Override
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		this.keepAliveTicks.cancel(false);
		this.stallChecks.cancel(false);
		this.keyChecks.cancel(false);
		// Queues no new reads; the queued ones find no streams left.
		this.streams.values().forEach((watching) -> watching.forEach(Stream::close));
		this.streams.clear();
		this.perKey.clear();
		this.refreshQueued.clear();
	}

	/** Returns at once, like {@link #stop()}: other components stop alongside. */
	@Override
	public void stop(Runnable callback) {
		stop();
		callback.run();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * One client's stream. Its outbox (the newest state not yet sent, a keep-alive line, the end)
	 * is written by one sender at a time, which runs while there is something to write; only that
	 * sender ever waits for the client.
	 */
	private final class Stream {

		final UUID pairingId;

		final UUID keyId;

		private final AtomicBoolean counted = new AtomicBoolean(true);

		private final StreamEmitter emitter;

		// Guarded by this; held only to take from or add to the outbox, never while writing.
		private Pairing pending;

		private boolean pingPending;

		private boolean senderActive;

		/** The newest version taken into the outbox (sent or still to send). */
		private volatile long newest;

		private volatile boolean ended;

		/** When the send in progress began ({@link System#nanoTime()}), 0 when none is. */
		private volatile long sendingSince;

		private final AtomicBoolean dropped = new AtomicBoolean();

		Stream(UUID pairingId, UUID keyId, StreamEmitter emitter) {
			this.pairingId = pairingId;
			this.keyId = keyId;
			this.emitter = emitter;
		}

		/** True the first time only: a stream leaves its key's count once. */
		boolean uncount() {
			return this.counted.compareAndSet(true, false);
		}

		long newest() {
			return this.newest;
		}

		boolean isEnded() {
			return this.ended;
		}

		boolean sendingLongerThan(Duration bound, long now) {
			long since = this.sendingSince;
			return since != 0 && now - since > bound.toNanos();
		}

		/** Queues {@code pairing} in place of any older state still waiting. */
		void offer(Pairing pairing) {
			synchronized (this) {
				if (this.ended || pairing.version() <= this.newest) {
					return;
				}
				this.newest = pairing.version();
				this.pending = pairing;
				if (!claimSender()) {
					return;
				}
			}
			startSender();
		}

		void ping() {
			synchronized (this) {
				if (this.ended) {
					return;
				}
				this.pingPending = true;
				if (!claimSender()) {
					return;
				}
			}
			startSender();
		}

		/** No more events: the response ends as soon as no send holds it. */
		void close() {
			synchronized (this) {
				if (this.ended) {
					return;
				}
				this.ended = true;
				this.pending = null;
				if (!claimSender()) {
					// The sender at work ends the response after its write.
					return;
				}
			}
			if (!this.emitter.completeIfIdle()) {
				// The container writing this stream's first event: end it right after that.
				startSender();
			}
		}

		/** Ends the stream of a client that does not read; true the first time. */
		boolean abandon() {
			close();
			return this.dropped.compareAndSet(false, true);
		}

		/** The container completed the response (the client left, or it timed out). */
		void gone() {
			this.emitter.failed();
			synchronized (this) {
				this.ended = true;
				this.pending = null;
			}
		}

		private boolean claimSender() {
			if (this.senderActive) {
				return false;
			}
			this.senderActive = true;
			return true;
		}

		private void startSender() {
			try {
				PairingStreams.this.senders.execute(this::send);
			}
			catch (TaskRejectedException closed) {
				// The application is shutting down; the container ends the response.
				synchronized (this) {
					this.ended = true;
					this.senderActive = false;
				}
			}
		}

		/** The sender: writes the outbox until it is empty, then ends if the stream has ended. */
		private void send() {
			while (true) {
				Pairing event;
				boolean ping;
				synchronized (this) {
					if (this.ended) {
						break;
					}
					event = this.pending;
					this.pending = null;
					// An event shows the stream alive as well as a comment line does.
					ping = this.pingPending && event == null;
					this.pingPending = false;
					if (event == null && !ping) {
						this.senderActive = false;
						return;
					}
				}
				if (!write(event)) {
					return;
				}
				if (event != null && !event.isPending()) {
					synchronized (this) {
						this.ended = true;
					}
				}
			}
			// Ended: the sender stays claimed, so nothing writes to the response after this.
			this.emitter.completeOnce();
			forget(this);
		}

		/** One write; false if the client is gone or too slow, which ends the stream. */
		private boolean write(Pairing event) {
			long started = System.nanoTime();
			this.sendingSince = started;
			try {
				if (event != null) {
					this.emitter.send(event(event));
				}
				else {
					this.emitter.send(SseEmitter.event().comment("keep-alive"));
				}
			}
			catch (IOException | IllegalStateException gone) {
				// The client left, or the container gave up on the write; either way the
				// container reports it and completes the response.
				gone();
				if (System.nanoTime() - started > PairingStreams.this.sendTimeout.toNanos()) {
					drop(this);
				}
				forget(this);
				return false;
			}
			finally {
				this.sendingSince = 0;
			}
			if (System.nanoTime() - started > PairingStreams.this.sendTimeout.toNanos()) {
				drop(this);
			}
			return true;
		}

	}

}
