package io.c2cgateway.webhook;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;

import static io.c2cgateway.system.SqlTime.instant;
import static io.c2cgateway.system.SqlTime.utc;

/**
 * Webhook SQL. Claims are leased by the database's {@code now()} (replicas with skewed clocks still
 * agree on whose a delivery is); schedules are domain times from the injected clock. Every write
 * about a claimed delivery is fenced by its lease owner.
 */
final class WebhookStore {

	static final String TABLE = "webhook_endpoint";

	static final String SECRET = "secret";

	static final String PREVIOUS_SECRET = "previous_secret";

	private static final String ENDPOINT_COLUMNS = "id, url, events, description, created_at";

	private static final String DELIVERY_COLUMNS = "id, event_type, status, attempts, last_status_code, last_error,"
			+ " created_at, delivered_at, seq";

	private final JdbcClient jdbc;

	WebhookStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	// ---- endpoints -----------------------------------------------------------------------------

	void insert(UUID id, String url, List<String> events, String description, String sealedSecret, Instant at) {
		this.jdbc.sql("""
				insert into webhook_endpoint (id, url, events, description, secret_enc, created_at, updated_at)
				values (?, ?, ?, ?, ?, ?, ?)
				""").params(id, url, events.toArray(new String[0]), description, sealedSecret, utc(at), utc(at)).update();
	}

	List<Endpoint> list() {
		return this.jdbc.sql("select " + ENDPOINT_COLUMNS + " from webhook_endpoint order by created_at, id")
			.query(WebhookStore::endpoint)
			.list();
	}

	Optional<Endpoint> find(UUID id) {
		return this.jdbc.sql("select " + ENDPOINT_COLUMNS + " from webhook_endpoint where id = ?")
			.param(id)
			.query(WebhookStore::endpoint)
			.optional();
	}

	boolean delete(UUID id) {
		return this.jdbc.sql("delete from webhook_endpoint where id = ?").param(id).update() == 1;
	}

	/** The current sealed secret, locked for a rotation. */
	Optional<String> lockSecret(UUID id) {
		return this.jdbc.sql("select secret_enc from webhook_endpoint where id = ? for update")
			.param(id)
			.query(String.class)
			.optional();
	}

	/** The new secret signs from now on; the old one alongside until {@code previousUntil}. */
	void rotate(UUID id, String sealedSecret, String sealedPrevious, Instant previousUntil, Instant at) {
		this.jdbc.sql("""
				update webhook_endpoint set secret_enc = ?, previous_secret_enc = ?, previous_secret_until = ?, updated_at = ?
				where id = ?
				""").params(sealedSecret, sealedPrevious, utc(previousUntil), utc(at), id).update();
	}

	// ---- outbox --------------------------------------------------------------------------------

	/** Ids of the endpoints subscribed to {@code type}. */
	List<UUID> subscribers(String type) {
		return this.jdbc.sql("select id from webhook_endpoint where events && cast(? as text[])")
			.param(new String[] { type, WebhookEvents.ALL })
			.query(UUID.class)
			.list();
	}

	/** One delivery per subscribed endpoint, all with the same message id and sequence number; returns how many. */
	int enqueue(UUID eventId, String type, String subject, String payload, Instant at, Instant giveUpAt) {
		long seq = this.jdbc.sql("select nextval('webhook_event_seq')").query(Long.class).single();
		return this.jdbc.sql("""
				insert into webhook_delivery (id, endpoint_id, event_id, seq, event_type, subject, payload, occurred_at,
				    status, attempts, next_attempt_at, give_up_at, created_at)
				select gen_random_uuid(), e.id, :eventId, :seq, :type, :subject, :payload, :at,
				    'PENDING', 0, :at, :giveUpAt, :at
				from webhook_endpoint e
				where e.events && cast(:types as text[])
				""")
			.param("eventId", eventId)
			.param("seq", seq)
			.param("type", type)
			.param("subject", subject)
			.param("payload", payload)
			.param("at", utc(at))
			.param("giveUpAt", utc(giveUpAt))
			.param("types", new String[] { type, WebhookEvents.ALL })
			.update();
	}

	// ---- deliveries ----------------------------------------------------------------------------

	/**
	 * Claims due deliveries: pending, due by domain time, not leased by a live claim, and the oldest
	 * pending one of their subject for their endpoint (order per pairing or device).
	 */
	List<Claimed> claim(String owner, Duration leaseTtl, Instant now, int limit) {
		return this.jdbc.sql("""
				with due as (
				    select d.id from webhook_delivery d
				    where d.status = 'PENDING' and d.next_attempt_at <= :now
				      and (d.lease_until is null or d.lease_until < now())
				      and not exists (select 1 from webhook_delivery p
				                      where p.endpoint_id = d.endpoint_id and p.subject = d.subject
				                        and p.status = 'PENDING' and p.seq < d.seq)
				    order by d.next_attempt_at, d.seq
				    limit :limit
				    for update of d skip locked
				)
				update webhook_delivery w
				set lease_owner = :owner, lease_until = now() + make_interval(secs => :ttl), attempts = w.attempts + 1
				from due, webhook_endpoint e
				where w.id = due.id and e.id = w.endpoint_id
				returning w.id, w.endpoint_id, w.event_id, w.event_type, w.payload, w.occurred_at, w.attempts, w.give_up_at,
				    e.url, e.secret_enc, case when e.previous_secret_until > :now then e.previous_secret_enc end as previous_enc
				""")
			.param("now", utc(now))
			.param("limit", limit)
			.param("owner", owner)
			.param("ttl", leaseTtl.toMillis() / 1000.0)
			.query((rs, row) -> new Claimed(rs.getObject("id", UUID.class), rs.getObject("endpoint_id", UUID.class),
					rs.getObject("event_id", UUID.class), rs.getString("event_type"), rs.getString("payload"),
					instant(rs, "occurred_at"), rs.getInt("attempts"), instant(rs, "give_up_at"), rs.getString("url"),
					rs.getString("secret_enc"), rs.getString("previous_enc")))
			.list();
	}

	boolean delivered(UUID id, String owner, int statusCode, Instant at) {
		return this.jdbc.sql("""
				update webhook_delivery set status = 'DELIVERED', delivered_at = ?, last_status_code = ?, last_error = null,
				    lease_owner = null, lease_until = null
				where id = ? and lease_owner = ? and status = 'PENDING'
				""").params(utc(at), statusCode, id, owner).update() == 1;
	}

	/** A failed attempt: again at {@code nextAttemptAt}, or {@code FAILED} when that is null. */
	boolean attemptFailed(UUID id, String owner, Integer statusCode, String error, Instant nextAttemptAt) {
		return this.jdbc.sql("""
				update webhook_delivery set status = case when cast(:next as timestamptz) is null then 'FAILED' else 'PENDING' end,
				    next_attempt_at = coalesce(cast(:next as timestamptz), next_attempt_at),
				    last_status_code = :code, last_error = :error, lease_owner = null, lease_until = null
				where id = :id and lease_owner = :owner and status = 'PENDING'
				""")
			.param("next", (nextAttemptAt != null) ? utc(nextAttemptAt) : null)
			.param("code", statusCode)
			.param("error", error)
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	/** Gives back what a stopping replica claimed but did not send; the attempt does not count. */
	void handBack(UUID id, String owner) {
		this.jdbc.sql("""
				update webhook_delivery set lease_owner = null, lease_until = null, attempts = attempts - 1
				where id = ? and lease_owner = ? and status = 'PENDING'
				""").params(id, owner).update();
	}

	List<Delivery> deliveries(UUID endpointId, String status, Long beforeSeq, int limit) {
		StringBuilder sql = new StringBuilder("select " + DELIVERY_COLUMNS + " from webhook_delivery where endpoint_id = ?");
		List<Object> params = new java.util.ArrayList<>(List.of(endpointId));
		if (status != null) {
			sql.append(" and status = ?");
			params.add(status);
		}
		if (beforeSeq != null) {
			sql.append(" and seq < ?");
			params.add(beforeSeq);
		}
		sql.append(" order by seq desc limit ?");
		params.add(limit);
		return this.jdbc.sql(sql.toString()).params(params).query(WebhookStore::delivery).list();
	}

	Optional<Delivery> delivery(UUID endpointId, UUID id) {
		return this.jdbc.sql("select " + DELIVERY_COLUMNS + " from webhook_delivery where endpoint_id = ? and id = ?")
			.params(endpointId, id)
			.query(WebhookStore::delivery)
			.optional();
	}

	/** Sends a finished delivery again from now on, for another full retry period. */
	boolean retry(UUID endpointId, UUID id, Instant now, Instant giveUpAt) {
		return this.jdbc.sql("""
				update webhook_delivery set status = 'PENDING', next_attempt_at = ?, give_up_at = ?, lease_owner = null,
				    lease_until = null
				where endpoint_id = ? and id = ? and status in ('DELIVERED', 'FAILED')
				""").params(utc(now), utc(giveUpAt), endpointId, id).update() == 1;
	}

	/** Deletes up to {@code limit} finished deliveries created before {@code before}; returns how many. */
	int pruneFinished(Instant before, int limit) {
		return this.jdbc.sql("""
				delete from webhook_delivery where id in (
				    select id from webhook_delivery where status in ('DELIVERED', 'FAILED') and created_at < ? limit ?)
				""").params(utc(before), limit).update();
	}

	/** When the oldest pending delivery was created, or null. */
	Instant oldestPending() {
		return this.jdbc.sql("select min(created_at) as oldest from webhook_delivery where status = 'PENDING'")
			.query((rs, row) -> instant(rs, "oldest"))
			.single();
	}

	private static Endpoint endpoint(ResultSet rs, int row) throws SQLException {
		String[] events = (String[]) rs.getArray("events").getArray();
		return new Endpoint(rs.getObject("id", UUID.class), rs.getString("url"), Arrays.asList(events),
				rs.getString("description"), instant(rs, "created_at"));
	}

	private static Delivery delivery(ResultSet rs, int row) throws SQLException {
		int status = rs.getInt("last_status_code");
		Integer code = rs.wasNull() ? null : status;
		return new Delivery(rs.getObject("id", UUID.class), rs.getString("event_type"), rs.getString("status"),
				rs.getInt("attempts"), code, rs.getString("last_error"), instant(rs, "created_at"),
				instant(rs, "delivered_at"), rs.getLong("seq"));
	}

	record Endpoint(UUID id, String url, List<String> events, String description, Instant createdAt) {
	}

	record Delivery(UUID id, String eventType, String status, int attempts, Integer lastStatusCode, String lastError,
			Instant createdAt, Instant deliveredAt, long seq) {
	}

	record Claimed(UUID id, UUID endpointId, UUID eventId, String eventType, String payload, Instant occurredAt,
			int attempts, Instant giveUpAt, String url, String sealedSecret, String sealedPrevious) {

		@Override
		public String toString() {
			return "Claimed[id=" + this.id + ", eventType=" + this.eventType + "]";
		}

	}

}
