package io.c2cgateway.device;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

import io.c2cgateway.system.ShutdownBudget;
import io.c2cgateway.system.ShutdownPhases;

/**
 * Refreshed token pairs that Frame.io issued but the database would not take before their refresh
 * lease ran out (an outage longer than the lease). Frame.io has spent the stored refresh token, so
 * these pairs are the device's only way on: they are kept in memory and written, fenced by the
 * row's version as the first attempt was, as soon as the database takes writes again. The next
 * refresh of such a device on this replica writes its pair first, so it never spends the dead
 * token. A pair kept here is lost if this process ends first (logged at ERROR, device by device):
 * on shutdown, after the web server stopped and the cluster jobs finished (no refresh can add one
 * any more) and before the pools close, kept pairs are tried again until the shutdown budget's
 * last-writes deadline.
 *
 * <p>
 * Each pair is written at most once: a second writer would find the version moved by the first
 * and treat the pair as orphaned (and revoke it). The lock is per pair, so a write that hangs on a
 * dead socket holds up only the requests of that one device.
 */
@Component
class UnstoredRefreshes implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(TokenRefresher.class);

	/** How often kept pairs are tried again: soon after the database returns, before another replica's refresher. */
	static final long RETRY_EVERY_MILLIS = 250;

	/** Past this, the kept refresh token is no use either: Frame.io's refresh tokens live 14 days. */
	private static final Duration KEEP_AT_MOST = DeviceCustody.REFRESH_TOKEN_LIFE;

	private static final int MOST_KEPT = 10_000;

	private final Map<String, Kept> kept = new ConcurrentHashMap<>();

	private final ShutdownBudget shutdown;

	private volatile boolean running;

	UnstoredRefreshes(MeterRegistry meters, ShutdownBudget shutdown) {
		this.shutdown = shutdown;
		Gauge.builder("gateway.tokens.unstored", this.kept, Map::size)
			.description("Refreshed token pairs kept in memory until the database takes them")
			.register(meters);
	}

	/** Keeps a pair to write later; false when too many are kept already or once stopping (then it is lost). */
	boolean keep(String deviceId, Write write) {
		if (!this.running || (this.kept.size() >= MOST_KEPT && !this.kept.containsKey(deviceId))) {
			return false;
		}
		this.kept.put(deviceId, new Kept(write, System.nanoTime()));
		return true;
	}

	/**
	 * Writes this device's kept pair now, if there is one; a refresh calls this before it leases the
	 * row, so that it never spends the refresh token the kept pair replaced.
	 *
	 * @throws DataAccessException while the database still refuses it
	 */
	void writeNow(String deviceId) {
		Kept entry = this.kept.get(deviceId);
		if (entry != null) {
			attempt(deviceId, entry);
		}
	}

	int size() {
		return this.kept.size();
	}

	@Scheduled(fixedDelay = RETRY_EVERY_MILLIS, timeUnit = TimeUnit.MILLISECONDS)
	void retryAll() {
		for (Map.Entry<String, Kept> entry : this.kept.entrySet()) {
			try {
				attempt(entry.getKey(), entry.getValue());
			}
			catch (DataAccessException | TransactionException ex) {
				if (System.nanoTime() - entry.getValue().sinceNanos > KEEP_AT_MOST.toNanos()) {
					this.kept.remove(entry.getKey(), entry.getValue());
					log.error("Gave up storing the refreshed tokens of device {}: it must be paired again", entry.getKey());
				}
				// Still unavailable: the others would fail alike.
				return;
			}
			catch (RuntimeException ex) {
				this.kept.remove(entry.getKey(), entry.getValue());
				log.error("Could not store the refreshed tokens of device {} ({}): it must be paired again",
						entry.getKey(), ex.getClass().getSimpleName());
			}
		}
	}

	private void attempt(String deviceId, Kept entry) {
		synchronized (entry) {
			if (entry.written || entry.discarded) {
				return;
			}
			entry.write.run();
			entry.written = true;
		}
		this.kept.remove(deviceId, entry);
		log.info("Stored the refreshed tokens of device {} {} ms after Frame.io issued them", deviceId,
				Duration.ofNanos(System.nanoTime() - entry.sinceNanos).toMillis());
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** After the web server stopped and the cluster jobs finished: no refresh is running any more. */
	@Override
	public int getPhase() {
		return ShutdownPhases.AFTER_REQUESTS;
	}

	/**
	 * In a shutdown, tries the kept pairs again until they are stored or the budget's last-writes
	 * deadline; stopped outside one, tries once. What is left then is lost, device by device.
	 */
	@Override
	public synchronized void stop() {
		this.running = false;
		long deadline = this.shutdown.started() ? this.shutdown.finalWritesDeadline() : System.nanoTime();
		do {
			try {
				// The database may be back by now.
				retryAll();
			}
			catch (RuntimeException ex) {
				// Reported below, device by device.
			}
			long left = ShutdownBudget.until(deadline).toMillis();
			if (this.kept.isEmpty() || left <= 0) {
				break;
			}
			try {
				wait(Math.min(RETRY_EVERY_MILLIS, left));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		while (true);
		for (Map.Entry<String, Kept> entry : this.kept.entrySet()) {
			Kept pair = entry.getValue();
			synchronized (pair) {
				// A retry that picked the pair up before this point must not store it after: it is given up.
				pair.discarded = !pair.written;
			}
			if (pair.discarded) {
				log.error("Stopping with the refreshed tokens of device {} unstored: it must be paired again",
						entry.getKey());
			}
		}
		this.kept.clear();
	}

	/** Writes a kept pair, or settles it when its row moved on; throws while the database refuses. */
	@FunctionalInterface
	interface Write {

		void run();

	}

	private static final class Kept {

		final Write write;

		final long sinceNanos;

		boolean written;

		boolean discarded;

		Kept(Write write, long sinceNanos) {
			this.write = write;
			this.sinceNanos = sinceNanos;
		}

	}

}
