package io.c2cgateway.polling;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's claim on the pairings it holds: one heartbeat row whose {@code lease_until} the
 * database's clock judges. Locally the lease counts as valid only until a margin before it could
 * have run out, measured from before the heartbeat was sent, so the engine never sends a poll
 * another replica might already be entitled to.
 */
final class EngineLease {

	private static final Logger log = LoggerFactory.getLogger(PollEngine.class);

	/** Sending stops this long before the lease could run out. */
	private static final Duration SEND_MARGIN = Duration.ofSeconds(1);

	private static final SecureRandom GENERATIONS = new SecureRandom();

	private final String baseId;

	private final PollStore store;

	private final Duration ttl;

	private String owner;

	private boolean registered;

	private long validUntilNanos;

	private long lastHeartbeatNanos;

	EngineLease(String baseId, PollStore store, Duration ttl) {
		this.baseId = baseId;
		this.owner = newGeneration(baseId);
		this.store = store;
		this.ttl = ttl;
	}

	/** The name pairings are leased to, which changes after a lost lease. */
	String owner() {
		return this.owner;
	}

	/** Whether a heartbeat is due: never sent, or a third of the TTL has passed. */
	boolean heartbeatDue(long nanos) {
		return !this.registered || nanos - this.lastHeartbeatNanos >= this.ttl.toNanos() / 3;
	}

	/**
	 * Registers or extends the lease. Returns false when it had already run out: other replicas
	 * may hold this one's pairings by now, so the caller must forget them; the lease then starts
	 * anew under a new name, so nothing written under the old one can pass a fence.
	 */
	boolean heartbeat() {
		long started = System.nanoTime();
		if (!this.registered) {
			this.store.register(this.owner, this.ttl);
			this.registered = true;
			extended(started);
			log.info("Poll engine {} registered with a lease of {}", this.owner, this.ttl);
			return true;
		}
		if (this.store.heartbeat(this.owner, this.ttl)) {
			extended(started);
			return true;
		}
		this.owner = newGeneration(this.baseId);
		this.registered = false;
		heartbeat();
		return false;
	}

	/** Whether polls may be sent now. */
	boolean valid() {
		return System.nanoTime() < this.validUntilNanos - SEND_MARGIN.toNanos();
	}

	/** Ends the lease, handing every pending pairing back; returns how many. */
	int release() {
		if (!this.registered) {
			return 0;
		}
		this.registered = false;
		return this.store.release(this.owner);
	}

	/**
	 * A lease name no earlier process can have held: a container restarted under the same
	 * {@code GATEWAY_INSTANCE_ID} must not inherit its predecessor's lease row, whose pairings the
	 * claim would otherwise skip as its own forever. The old name's pairings become free when its
	 * lease runs out, as a dead replica's do.
	 */
	private static String newGeneration(String baseId) {
		byte[] random = new byte[4];
		GENERATIONS.nextBytes(random);
		return baseId + "~" + HexFormat.of().formatHex(random);
	}

	private void extended(long heartbeatSentNanos) {
		this.validUntilNanos = heartbeatSentNanos + this.ttl.toNanos();
		this.lastHeartbeatNanos = heartbeatSentNanos;
	}

}
