package io.c2cgateway.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.audit.AuditTrail;
import io.c2cgateway.idempotency.IdempotencyKeys;
import io.c2cgateway.system.AsyncStop;
import io.c2cgateway.system.InstanceIdentity;
import io.c2cgateway.system.InvalidConfigurationException;
import io.c2cgateway.system.ShutdownBudget;
import io.c2cgateway.system.ShutdownPhases;

import static io.c2cgateway.system.SqlTime.utc;

/**
 * Deletes finished pairings, audit events and expired idempotency keys past their age. Each replica
 * wakes every {@code every}; the one that moves the task's {@code next_run_at} on in the database
 * runs it, the others find nothing due. Ages are judged by the domain clock, which wrote the
 * timestamps; the schedule by the database's clock, which all replicas share. On shutdown a run
 * under way stops after the batch in hand (deletes are idempotent; the next run does the rest).
 */
@Service
public class Retention implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(Retention.class);

	static final String TASK = "retention";

	private final JdbcClient jdbc;

	private final AuditTrail trail;

	private final AuditLog audit;

	private final IdempotencyKeys idempotency;

	private final Clock clock;

	private final RetentionProperties properties;

	private final String instance;

	private final ShutdownBudget shutdown;

	private ScheduledExecutorService timer;

	private volatile boolean stopping;

	Retention(JdbcClient jdbc, AuditTrail trail, AuditLog audit, IdempotencyKeys idempotency, Clock clock,
			RetentionProperties properties, InstanceIdentity identity, ShutdownBudget shutdown) {
		if (isNotPositive(properties.every()) || isNotPositive(properties.pairings())
				|| isNotPositive(properties.auditEvents()) || properties.batchSize() < 1) {
			throw new InvalidConfigurationException(
					"gateway.retention is malformed: every, pairings, audit-events and batch-size must be positive");
		}
		this.jdbc = jdbc;
		this.trail = trail;
		this.audit = audit;
		this.idempotency = idempotency;
		this.clock = clock;
		this.properties = properties;
		this.instance = identity.id();
		this.shutdown = shutdown;
	}

	private static boolean isNotPositive(Duration duration) {
		return duration == null || duration.isNegative() || duration.isZero();
	}

	/** Prunes if no replica did within the last {@code every}; false when it was not due. */
	public boolean runIfDue() {
		boolean claimed = this.jdbc.sql("""
				insert into scheduled_task (name, next_run_at, last_run_by, last_run_at)
				values (:name, now() + make_interval(secs => :every), :me, now())
				on conflict (name) do update set next_run_at = excluded.next_run_at, last_run_by = excluded.last_run_by,
				    last_run_at = excluded.last_run_at
				where scheduled_task.next_run_at <= now()
				""")
			.param("name", TASK)
			.param("every", this.properties.every().toMillis() / 1000.0)
			.param("me", this.instance)
			.update() == 1;
		if (claimed) {
			pruneNow();
		}
		return claimed;
	}

	/** One full pruning pass, whoever else is pruning (deletes are idempotent); tests call it directly. */
	public Result pruneNow() {
		Instant now = this.clock.instant();
		Instant pairingCutoff = now.minus(this.properties.pairings());
		Instant auditCutoff = now.minus(this.properties.auditEvents());
		int pairings = inBatches(() -> deletePairingsFinishedBefore(pairingCutoff));
		int events = inBatches(() -> this.trail.deleteRecordedBefore(auditCutoff, this.properties.batchSize()));
		int keys = inBatches(() -> this.idempotency.deleteExpired(this.properties.batchSize()));
		Result result = new Result(pairings, events, keys);
		if (pairings > 0 || events > 0) {
			this.audit.record("system:" + this.instance, "retention.pruned", "system", TASK,
					"pairings=" + pairings + " auditEvents=" + events + " pairingsBefore=" + pairingCutoff
							+ " auditEventsBefore=" + auditCutoff);
		}
		if (result.total() > 0) {
			log.info("Retention pruned {} pairings, {} audit events, {} idempotency keys", pairings, events, keys);
		}
		return result;
	}

	/**
	 * A device's latest pairing stays while the device exists: its record points at it, and the
	 * pairing is where its authorization is explained.
	 */
	private int deletePairingsFinishedBefore(Instant cutoff) {
		return this.jdbc.sql("""
				delete from pairing where id in (
				    select p.id from pairing p
				    where p.status <> 'PENDING' and p.completed_at < :cutoff
				      and not exists (select 1 from device d where d.last_pairing_id = p.id)
				    order by p.completed_at
				    limit :limit)
				""")
			.param("cutoff", utc(cutoff))
			.param("limit", this.properties.batchSize())
			.update();
	}

	private int inBatches(IntSupplier batch) {
		int total = 0;
		int deleted;
		do {
			deleted = batch.getAsInt();
			total += deleted;
		}
		while (deleted >= this.properties.batchSize() && !this.stopping);
		return total;
	}

	@Override
	public synchronized void start() {
		if (!this.properties.enabled() || this.timer != null) {
			return;
		}
		this.stopping = false;
		this.timer = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "retention");
			thread.setDaemon(true);
			return thread;
		});
		// Spread replicas that start together; the claim in the database decides anyway. Looking more
		// often than every period keeps the actual gap close to the period whoever claims.
		long first = ThreadLocalRandom.current().nextLong(Duration.ofMinutes(1).toMillis());
		long look = Math.max(1000, this.properties.every().toMillis() / 4);
		this.timer.scheduleWithFixedDelay(this::tick, first, look, TimeUnit.MILLISECONDS);
	}

	private void tick() {
		if (this.stopping || this.shutdown.started()) {
			return;
		}
		try {
			runIfDue();
		}
		catch (RuntimeException ex) {
			log.warn("Retention run failed: {}", ex.getClass().getSimpleName());
			log.debug("Retention failure", ex);
		}
	}

	/** Stops alongside the web server's graceful shutdown: a run under way may take a batch to end. */
	@Override
	public int getPhase() {
		return ShutdownPhases.DRAIN;
	}

	/** No new run; a run under way ends after its batch in hand. Reports to {@code callback} from a thread of its own. */
	@Override
	public synchronized void stop(Runnable callback) {
		ScheduledExecutorService stopped = this.timer;
		this.timer = null;
		if (stopped == null) {
			callback.run();
			return;
		}
		this.stopping = true;
		stopped.shutdown();
		AsyncStop.inBackground("retention-stop", () -> {
			if (!stopped.awaitTermination(ShutdownBudget.until(this.shutdown.drainDeadline()).toMillis(),
					TimeUnit.MILLISECONDS)) {
				log.warn("Retention still deleting at the shutdown deadline");
			}
		}, () -> {
			stopped.shutdownNow();
			callback.run();
		});
	}

	@Override
	public void stop() {
		AsyncStop.andWait(this::stop);
	}

	@Override
	public synchronized boolean isRunning() {
		return this.timer != null;
	}

	/** Rows deleted by one pass. */
	public record Result(int pairings, int auditEvents, int idempotencyKeys) {

		int total() {
			return this.pairings + this.auditEvents + this.idempotencyKeys;
		}

	}

}
