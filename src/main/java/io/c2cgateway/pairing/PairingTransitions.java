package io.c2cgateway.pairing;

import java.time.Instant;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.webhook.Outbox;

import static io.c2cgateway.system.SqlTime.utc;

/**
 * The pairing's state machine: the only code that changes {@code pairing.status} once a row exists
 * ({@code ArchitectureTests} holds everyone else to it). A change is one fenced update that also
 * bumps {@code version} (which SSE readers and optimistic clients follow), its audit event and its
 * outbox event, all in the caller's transaction when there is one, else in a transaction of its
 * own; the {@code gateway.pairings.finished} meter counts it once that transaction commits. A
 * refused fence changes nothing and answers false.
 * <p>
 * Each change is one statement plus its audit and outbox inserts: the poll engine writes its
 * outcomes through here without a round trip more than when it wrote them itself.
 */
@Component
public class PairingTransitions {

	/** The column limit of {@code pairing.failure_reason}. */
	public static final int FAILURE_REASON_LENGTH = 128;

	private static final String SUBJECT = "pairing";

	private final JdbcClient jdbc;

	private final TransactionTemplate tx;

	private final AuditLog audit;

	private final Outbox outbox;

	private final MeterRegistry meters;

	public PairingTransitions(JdbcClient jdbc, PlatformTransactionManager transactions, AuditLog audit, Outbox outbox,
			MeterRegistry meters) {
		this.jdbc = jdbc;
		// REQUIRED: joins the caller's transaction, so what the caller writes with the change commits with it.
		this.tx = new TransactionTemplate(transactions);
		this.audit = audit;
		this.outbox = outbox;
		this.meters = meters;
	}

	/**
	 * PENDING → AUTHORIZED. Fenced by status only: tokens Frame.io handed out exist once, and a lease
	 * lost meanwhile must not throw them away. {@code storeTokens} runs once the fence let the change
	 * through, in the same transaction and before the events, so the pairing is AUTHORIZED exactly
	 * when its tokens are stored.
	 * @return false when the pairing was no longer PENDING (then {@code storeTokens} did not run)
	 */
	public boolean authorize(UUID id, String deviceId, Instant at, String actor, Runnable storeTokens) {
		return Boolean.TRUE.equals(this.tx.execute((status) -> {
			// The lookup of where the device landed (frameioDevice) is due from now on, with the status.
			boolean changed = this.jdbc.sql("""
					update pairing set status = 'AUTHORIZED', completed_at = ?, updated_at = ?, version = version + 1,
					    last_poll_at = ?, next_poll_at = null, lease_owner = null, device_code_enc = null,
					    device_lookup_due_at = ?
					where id = ? and status = 'PENDING'
					""")
				.params(utc(at), utc(at), utc(at), utc(at), id)
				.update() == 1;
			if (!changed) {
				return false;
			}
			storeTokens.run();
			announce(PairingStatus.AUTHORIZED, id, at, actor, "deviceId=" + deviceId);
			return true;
		}));
	}

	/**
	 * PENDING → EXPIRED, DENIED or FAILED, as the poll engine decided under its lease on the pairing:
	 * a replica whose lease moved on (another owner, or a newer epoch) changes nothing.
	 * @param polledAt when the poll behind the outcome was sent, null when none was
	 * @throws IllegalArgumentException for another status, or a failure reason longer than the column
	 */
	public boolean finish(UUID id, LeaseFence fence, PairingStatus to, String failureReason, Instant at, Instant polledAt,
			String actor) {
		if (to != PairingStatus.EXPIRED && to != PairingStatus.DENIED && to != PairingStatus.FAILED) {
			throw new IllegalArgumentException("The poll engine ends a pairing EXPIRED, DENIED or FAILED, not " + to);
		}
		if (failureReason != null && failureReason.length() > FAILURE_REASON_LENGTH) {
			throw new IllegalArgumentException(
					"A failure reason holds at most " + FAILURE_REASON_LENGTH + " characters, not " + failureReason.length());
		}
		return Boolean.TRUE.equals(this.tx.execute((status) -> {
			boolean changed = this.jdbc.sql("""
					update pairing set status = ?, failure_reason = ?, completed_at = ?, updated_at = ?, version = version + 1,
					    last_poll_at = coalesce(?, last_poll_at), next_poll_at = null, lease_owner = null, device_code_enc = null
					where id = ? and lease_owner is not distinct from ? and lease_epoch = ? and status = 'PENDING'
					""")
				.params(to.name(), failureReason, utc(at), utc(at), utc(polledAt), id, fence.owner(), fence.epoch())
				.update() == 1;
			if (changed) {
				announce(to, id, at, actor, (failureReason != null) ? "failureReason=" + failureReason : null);
			}
			return changed;
		}));
	}

	/** PENDING → CANCELLED, whoever holds the engine's lease; false when it was not pending any more. */
	boolean cancel(UUID id, Instant at, String actor) {
		return Boolean.TRUE.equals(this.tx.execute((status) -> {
			boolean changed = this.jdbc.sql("""
					update pairing set status = 'CANCELLED', completed_at = ?, updated_at = ?, version = version + 1,
					    next_poll_at = null, lease_owner = null, device_code_enc = null
					where id = ? and status = 'PENDING'
					""")
				.params(utc(at), utc(at), id)
				.update() == 1;
			if (changed) {
				announce(PairingStatus.CANCELLED, id, at, actor, null);
			}
			return changed;
		}));
	}

	/** After the row is written (and so locked): events of one pairing are then numbered in commit order. */
	private void announce(PairingStatus to, UUID id, Instant at, String actor, String detail) {
		this.audit.record(at, actor, to.eventName(), SUBJECT, id.toString(), detail);
		this.outbox.publish(to.eventName(), SUBJECT, id.toString(), at);
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				PairingTransitions.this.meters.counter("gateway.pairings.finished", "outcome", to.name()).increment();
			}
		});
	}

	/** The poll engine's lease on a pairing as it claimed it: its owner's name and the epoch of the claim. */
	public record LeaseFence(String owner, long epoch) {
	}

}
