package io.c2cgateway.idempotency;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Service;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.system.InvalidConfigurationException;
import io.c2cgateway.system.ShutdownPhases;

/**
 * Claims, stores and replays idempotent requests. While a request runs, its claim is refreshed
 * every {@link #HEARTBEAT}, so a request that is merely slow (a batch of 500) keeps its key, and
 * only one whose process died is taken over after {@link #STALE_AFTER}.
 */
@Service
public class IdempotencyKeys implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(IdempotencyKeys.class);

	/** The contract: a first request whose process died stops counting as running after 60 s. */
	static final Duration STALE_AFTER = Duration.ofSeconds(60);

	static final Duration HEARTBEAT = Duration.ofSeconds(20);

	private static final Duration MIN_TTL = Duration.ofHours(24);

	static final String TABLE = "idempotency_key";

	/** The logical column name stored bodies are sealed under. */
	static final String BODY = "body";

	/** How long an answer holding a shown-once secret is kept: long enough for a retry, no longer. */
	static final Duration SHOWN_ONCE_TTL = Duration.ofHours(1);

	/** Larger answers (a big batch) are not kept: ~180 KB a key would let one station fill the table. */
	static final int MOST_STORED_BYTES = 64 * 1024;

	private final IdempotencyStore store;

	private final SecretBox box;

	private final Duration ttl;

	private final Set<UUID> running = ConcurrentHashMap.newKeySet();

	private final TaskScheduler scheduler;

	private ScheduledFuture<?> heartbeat;

	IdempotencyKeys(IdempotencyStore store, SecretBox box, IdempotencyProperties properties,
			@Qualifier("idempotencyHeartbeatScheduler") TaskScheduler scheduler) {
		if (properties.ttl() == null || properties.ttl().compareTo(MIN_TTL) < 0) {
			throw new InvalidConfigurationException("gateway.idempotency.ttl is malformed: it must be at least 24h");
		}
		this.store = store;
		this.box = box;
		this.ttl = properties.ttl();
		this.scheduler = scheduler;
	}

	/** What to do with a request that carries a key. */
	Decision decide(UUID callerKeyId, String key, String requestHash) {
		// Few rounds suffice: a row only vanishes between claim and read when its run just failed.
		for (int round = 0; round < 3; round++) {
			Optional<UUID> claim = this.store.claim(callerKeyId, key, requestHash, this.ttl, STALE_AFTER);
			if (claim.isPresent()) {
				this.running.add(claim.get());
				return new Decision.Run(claim.get());
			}
			Optional<IdempotencyStore.Stored> stored = this.store.find(callerKeyId, key);
			if (stored.isEmpty()) {
				continue;
			}
			IdempotencyStore.Stored row = stored.get();
			if (!row.requestHash().equals(requestHash)) {
				return new Decision.Mismatch();
			}
			if (!row.done()) {
				return new Decision.InProgress();
			}
			byte[] body = (row.sealedBody() != null) ? Base64.getDecoder()
				.decode(this.box.open(row.sealedBody(), TABLE, BODY, row.claim()).reveal()) : new byte[0];
			return new Decision.Replay(row.status(), row.contentType(), body);
		}
		return new Decision.InProgress();
	}

	/**
	 * Ends a run: a 2xx or 4xx answer is kept for replays, anything else frees the key. An answer
	 * that carries a shown-once secret ({@code shownOnce}: marked {@code no-store}) is kept for
	 * {@link #SHOWN_ONCE_TTL} at most; one larger than {@link #MOST_STORED_BYTES} is not kept, so a
	 * retry with the same key runs again.
	 */
	void finish(UUID callerKeyId, String key, UUID claim, int status, String contentType, byte[] body,
			boolean shownOnce) {
		this.running.remove(claim);
		boolean keep = ((status >= 200 && status < 300) || (status >= 400 && status < 500))
				&& body.length <= MOST_STORED_BYTES;
		try {
			if (keep) {
				String sealed = this.box.seal(Secret.of(Base64.getEncoder().encodeToString(body)), TABLE, BODY, claim);
				Duration keptFor = shownOnce ? SHOWN_ONCE_TTL : this.ttl;
				if (!this.store.complete(callerKeyId, key, claim, status, contentType, sealed, keptFor)) {
					log.warn("Idempotency claim {} was taken over before its response could be stored", claim);
				}
				return;
			}
			this.store.release(callerKeyId, key, claim);
		}
		catch (RuntimeException ex) {
			// The caller still gets its answer; an unreleased claim goes stale and frees the key after 60 s.
			log.warn("Could not finish idempotency claim {}: {}", claim, ex.getClass().getSimpleName());
		}
	}

	/** Frees the key of a run that failed before it produced an answer. */
	void abandon(UUID callerKeyId, String key, UUID claim) {
		this.running.remove(claim);
		try {
			this.store.release(callerKeyId, key, claim);
		}
		catch (RuntimeException ex) {
			log.warn("Could not release idempotency claim {}: {}", claim, ex.getClass().getSimpleName());
		}
	}

	/** Deletes up to {@code limit} expired keys; for the retention task. */
	public int deleteExpired(int limit) {
		return this.store.deleteExpired(limit);
	}

	private void refreshClaims() {
		try {
			this.store.touch(List.copyOf(this.running));
		}
		catch (RuntimeException ex) {
			log.warn("Could not refresh {} idempotency claims: {}", this.running.size(), ex.getClass().getSimpleName());
		}
	}

	@Override
	public synchronized void start() {
		if (this.heartbeat != null) {
			return;
		}
		this.heartbeat = this.scheduler.scheduleWithFixedDelay(this::refreshClaims,
				this.scheduler.getClock().instant().plus(HEARTBEAT), HEARTBEAT);
	}

	@Override
	public synchronized void stop() {
		if (this.heartbeat != null) {
			this.heartbeat.cancel(true);
			this.heartbeat = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.heartbeat != null;
	}

	/**
	 * Stops after the web server finished its graceful shutdown and stopped (a lower phase stops
	 * later), so requests still running keep their claims fresh until they end.
	 */
	@Override
	public int getPhase() {
		return ShutdownPhases.AFTER_REQUESTS;
	}

	sealed interface Decision {

		record Run(UUID claim) implements Decision {
		}

		record Replay(int status, String contentType, byte[] body) implements Decision {
		}

		record Mismatch() implements Decision {
		}

		record InProgress() implements Decision {
		}

	}

}
