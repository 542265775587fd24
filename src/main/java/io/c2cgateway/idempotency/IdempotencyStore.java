package io.c2cgateway.idempotency;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import static io.c2cgateway.system.SqlTime.seconds;

/**
 * Idempotency rows. Claims, staleness and expiry are judged by the database's {@code now()}, so
 * replicas with skewed clocks agree on who runs a request.
 */
@Repository
class IdempotencyStore {

	private final JdbcTemplate jdbc;

	IdempotencyStore(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Claims the key for one run of the request in one statement: a new key, an expired one, or one
	 * whose running request stopped refreshing its claim (its process died). Empty when someone else
	 * holds the key or it holds a finished response.
	 */
	Optional<UUID> claim(UUID callerKeyId, String key, String requestHash, Duration ttl, Duration staleAfter) {
		UUID claim = UUID.randomUUID();
		List<UUID> claimed = this.jdbc.query("""
				insert into idempotency_key (caller_key_id, idempotency_key, claim, request_hash, state, claimed_at,
				    expires_at, status, content_type, body_enc)
				values (?, ?, ?, ?, 'RUNNING', now(), now() + make_interval(secs => ?), null, null, null)
				on conflict (caller_key_id, idempotency_key) do update
				set claim = excluded.claim, request_hash = excluded.request_hash, state = 'RUNNING',
				    claimed_at = excluded.claimed_at, expires_at = excluded.expires_at, status = null,
				    content_type = null, body_enc = null
				where idempotency_key.expires_at <= now()
				   or (idempotency_key.state = 'RUNNING'
				       and idempotency_key.claimed_at <= now() - make_interval(secs => ?))
				returning claim
				""", (rs, i) -> rs.getObject("claim", UUID.class), callerKeyId, key, claim, requestHash,
				seconds(ttl), seconds(staleAfter));
		return claimed.stream().findFirst();
	}

	Optional<Stored> find(UUID callerKeyId, String key) {
		return this.jdbc.query("""
				select claim, request_hash, state, status, content_type, body_enc from idempotency_key
				where caller_key_id = ? and idempotency_key = ? and expires_at > now()
				""", (rs, i) -> new Stored(rs.getObject("claim", UUID.class), rs.getString("request_hash"),
				"DONE".equals(rs.getString("state")), rs.getInt("status"), rs.getString("content_type"),
				rs.getString("body_enc")), callerKeyId, key).stream().findFirst();
	}

	/** Stores the response of a claimed run; false when the claim was lost meanwhile. */
	boolean complete(UUID callerKeyId, String key, UUID claim, int status, String contentType, String sealedBody,
			Duration keptFor) {
		return this.jdbc.update("""
				update idempotency_key set state = 'DONE', status = ?, content_type = ?, body_enc = ?,
				    expires_at = least(expires_at, now() + make_interval(secs => ?))
				where caller_key_id = ? and idempotency_key = ? and claim = ? and state = 'RUNNING'
				""", status, contentType, sealedBody, keptFor.toSeconds(), callerKeyId, key, claim) == 1;
	}

	/** Frees the key after a run whose response is not kept (5xx, failure): a retry runs anew. */
	void release(UUID callerKeyId, String key, UUID claim) {
		this.jdbc.update("delete from idempotency_key where caller_key_id = ? and idempotency_key = ? and claim = ?",
				callerKeyId, key, claim);
	}

	/** Keeps running requests' claims fresh, so only a dead process's claim goes stale. */
	void touch(Collection<UUID> claims) {
		if (claims.isEmpty()) {
			return;
		}
		this.jdbc.update((Connection connection) -> {
			PreparedStatement statement = connection
				.prepareStatement("update idempotency_key set claimed_at = now() where claim = any(?) and state = 'RUNNING'");
			Array array = connection.createArrayOf("uuid", claims.toArray());
			statement.setArray(1, array);
			return statement;
		});
	}

	int deleteExpired(int limit) {
		return this.jdbc.update("""
				delete from idempotency_key where ctid in (
				    select ctid from idempotency_key where expires_at <= now() limit ?)
				""", limit);
	}

	record Stored(UUID claim, String requestHash, boolean done, int status, String contentType, String sealedBody) {
	}

}
