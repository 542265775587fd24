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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Open event streams of pairings on this replica. A stream holds no thread: an {@link SseEmitter}
 * parked in the servlet container. Change notices (from {@link PairingChangeListener}, for
 * changes made by any replica) trigger one read of the row per pairing, however many streams
 * watch it, on a small shared pool; the row read, not the notice, decides what is sent, so merged
 * or lost notices still end with the latest state. Every keep-alive tick also compares the watched
 * pairings' versions with what was sent, which repairs anything a lost listener connection missed.
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

	private final Map<UUID, Set<Stream>> streams = new ConcurrentHashMap<>();

	private final Set<UUID> refreshQueued = ConcurrentHashMap.newKeySet();

	private volatile ExecutorService fanOut;

	private volatile ScheduledExecutorService timer;

	private volatile boolean running;

	PairingStreams(PairingStore store, Clock clock, PairingProperties properties, MeterRegistry meters) {
		this.store = store;
		this.clock = clock;
		this.keepAlive = properties.eventsKeepAlive();
		meters.gauge("gateway.pairings.streams.open", this, PairingStreams::openStreams);
	}

	/** A stream that starts with {@code current} (already checked visible to the caller). */
	SseEmitter open(Pairing current) {
		SseEmitter emitter = new SseEmitter(timeoutFor(current).toMillis());
		Stream stream = new Stream(current.id(), emitter);
		emitter.onCompletion(() -> forget(stream));
		emitter.onError((ex) -> forget(stream));
		emitter.onTimeout(() -> {
			forget(stream);
			emitter.complete();
		});
		if (!this.running) {
			stream.offer(current);
			stream.end();
			return emitter;
		}
		this.streams.compute(current.id(), (id, watching) -> {
			Set<Stream> set = (watching != null) ? watching : ConcurrentHashMap.newKeySet();
			set.add(stream);
			return set;
		});
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
			if (stream.lastSent() < version) {
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
		ExecutorService pool = this.fanOut;
		if (pool == null || !this.refreshQueued.add(id)) {
			return;
		}
		try {
			pool.execute(() -> {
				// Cleared before the read, so a notice arriving during it queues another read.
				this.refreshQueued.remove(id);
				refresh(id);
			});
		}
		catch (RuntimeException rejected) {
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
				stream.end();
			}
		}
	}

	private void tick() {
		for (Set<Stream> watching : this.streams.values()) {
			for (Stream stream : watching) {
				if (stream.isEnded()) {
					// A client that left without the container telling us yet.
					forget(stream);
				}
				else {
					this.fanOut.execute(stream::ping);
				}
			}
		}
		try {
			resync();
		}
		catch (RuntimeException ex) {
			log.warn("Could not compare watched pairings with the database: {}", ex.getClass().getSimpleName());
		}
	}

	private void forget(Stream stream) {
		stream.markEnded();
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

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.fanOut = Executors.newFixedThreadPool(4, threads("pairing-events-"));
		this.timer = Executors.newSingleThreadScheduledExecutor(threads("pairing-events-timer-"));
		this.timer.scheduleWithFixedDelay(this::tick, this.keepAlive.toMillis(), this.keepAlive.toMillis(),
				TimeUnit.MILLISECONDS);
		this.running = true;
	}

	/**
	 * Ends every open stream before the web server's graceful shutdown (which stops later, in a
	 * lower phase), so open streams do not hold it up; clients reconnect to another replica.
	 */
	@Override
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		this.timer.shutdownNow();
		this.streams.values().forEach((watching) -> watching.forEach(Stream::end));
		this.streams.clear();
		this.fanOut.shutdown();
		try {
			this.fanOut.awaitTermination(2, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.fanOut.shutdownNow();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private static ThreadFactory threads(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	/** One client's stream. Sends are serialized per stream; ids only ever grow. */
	private static final class Stream {

		final UUID pairingId;

		private final SseEmitter emitter;

		// Read without the lock by the listener and the timer, which must never wait on a slow client.
		private volatile long lastSent;

		private volatile boolean ended;

		Stream(UUID pairingId, SseEmitter emitter) {
			this.pairingId = pairingId;
			this.emitter = emitter;
		}

		long lastSent() {
			return this.lastSent;
		}

		synchronized void offer(Pairing pairing) {
			if (this.ended || pairing.version() <= this.lastSent) {
				return;
			}
			try {
				this.emitter.send(SseEmitter.event()
					.id(Long.toString(pairing.version()))
					.name("pairing")
					.data(pairing, MediaType.APPLICATION_JSON));
				this.lastSent = pairing.version();
				if (!pairing.isPending()) {
					end();
				}
			}
			catch (IOException | IllegalStateException gone) {
				// The client left; the container reports it and the completion callback forgets the stream.
				this.ended = true;
			}
		}

		synchronized void ping() {
			if (this.ended) {
				return;
			}
			try {
				this.emitter.send(SseEmitter.event().comment("keep-alive"));
			}
			catch (IOException | IllegalStateException gone) {
				this.ended = true;
			}
		}

		synchronized void end() {
			if (!this.ended) {
				this.ended = true;
				this.emitter.complete();
			}
		}

		boolean isEnded() {
			return this.ended;
		}

		void markEnded() {
			this.ended = true;
		}

	}

}
