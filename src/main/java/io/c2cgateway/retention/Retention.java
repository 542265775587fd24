package io.c2cgateway.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.audit.AuditTrail;
import io.c2cgateway.idempotency.IdempotencyKeys;
import io.c2cgateway.system.ClusterJob;
import io.c2cgateway.system.ClusterJobs;
import io.c2cgateway.system.InstanceIdentity;
import io.c2cgateway.system.InvalidConfigurationException;

import static io.c2cgateway.system.SqlTime.utc;

/**
 * Deletes finished pairings, audit events and expired idempotency keys past their age, once per
 * {@code every} across the cluster ({@link #job()}, run by {@link ClusterJobs}). Ages are judged by
 * the domain clock, which wrote the timestamps. On shutdown a run under way stops after the batch in
 * hand (deletes are idempotent; the next run does the rest).
 */
@Service
public class Retention {

	private static final Logger log = LoggerFactory.getLogger(Retention.class);

	static final String TASK = "retention";

	private final JdbcClient jdbc;

	private final AuditTrail trail;

	private final AuditLog audit;

	private final IdempotencyKeys idempotency;

	private final Clock clock;

	private final RetentionProperties properties;

	private final String instance;

	Retention(JdbcClient jdbc, AuditTrail trail, AuditLog audit, IdempotencyKeys idempotency, Clock clock,
			RetentionProperties properties, InstanceIdentity identity) {
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
	}

	/** The pruning as a cluster job: one pass per {@code every} across all replicas. */
	ClusterJob job() {
		return ClusterJob.every(TASK, this.properties.enabled(), this.properties.every(), this::pruneNow);
	}

	private static boolean isNotPositive(Duration duration) {
		return duration == null || duration.isNegative() || duration.isZero();
	}

	/** One full pruning pass, whoever else is pruning (deletes are idempotent); tests call it directly. */
	public Result pruneNow() {
		return pruneNow(() -> true);
	}

	/** As {@link #pruneNow()}, deleting no further batch once {@code keepGoing} says stop. */
	Result pruneNow(BooleanSupplier keepGoing) {
		Instant now = this.clock.instant();
		Instant pairingCutoff = now.minus(this.properties.pairings());
		Instant auditCutoff = now.minus(this.properties.auditEvents());
		int pairings = inBatches(() -> deletePairingsFinishedBefore(pairingCutoff), keepGoing);
		int events = inBatches(() -> this.trail.deleteRecordedBefore(auditCutoff, this.properties.batchSize()), keepGoing);
		int keys = inBatches(() -> this.idempotency.deleteExpired(this.properties.batchSize()), keepGoing);
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

	private int inBatches(IntSupplier batch, BooleanSupplier keepGoing) {
		int total = 0;
		int deleted;
		do {
			deleted = batch.getAsInt();
			total += deleted;
		}
		while (deleted >= this.properties.batchSize() && keepGoing.getAsBoolean());
		return total;
	}

	/** Rows deleted by one pass. */
	public record Result(int pairings, int auditEvents, int idempotencyKeys) {

		int total() {
			return this.pairings + this.auditEvents + this.idempotencyKeys;
		}

	}

}
