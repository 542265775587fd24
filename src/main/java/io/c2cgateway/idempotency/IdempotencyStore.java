package io.c2cgateway.idempotency;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import static io.c2cgateway.system.SqlTime.seconds;

/**
 * Idempotency rows. Claims, staleness and expiry are judged by the database's {@code now()}, so
 * replicas with skewed clocks agree on who runs a request.
 */
@Repository
class IdempotencyStore {

	private final JdbcClient jdbc;

	IdempotencyStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Claims the key for one run of the request in one statement: a new key, an expired one, or one
	 * whose running request stopped refreshing its claim (its process died). Empty when someone else
	 * holds the key or it holds a finished response.
	 */
	Optional<UUID> claim(UUID callerKeyId, String key, String requestHash, Duration ttl, Duration staleAfter) {
		UUID claim = UUID.randomUUID();
		return this.jdbc.sql("""
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
				""")
			.params(callerKeyId, key, claim, requestHash, seconds(ttl), seconds(staleAfter))
			.query((rs, i) -> rs.getObject("claim", UUID.class))
			.optional();
	}

	Optional<Stored> find(UUID callerKeyId, String key) {
		return this.jdbc.sql("""
				select claim, request_hash, state, status, content_type, body_enc from idempotency_key
				where caller_key_id = ? and idempotency_key = ? and expires_at > now()
				""")
			.params(callerKeyId, key)
			.query((rs, i) -> new Stored(rs.getObject("claim", UUID.class), rs.getString("request_hash"),
					"DONE".equals(rs.getString("state")), rs.getInt("status"), rs.getString("content_type"),
					rs.getString("body_enc")))
			.optional();
	}

	/** Stores the response of a claimed run; false when the claim was lost meanwhile. */
	boolean complete(UUID callerKeyId, String key, UUID claim, int status, String contentType, String sealedBody,
			Duration keptFor) {
		return this.jdbc.sql("""
				update idempotency_key set state = 'DONE', status = ?, content_type = ?, body_enc = ?,
				    expires_at = least(expires_at, now() + make_interval(secs => ?))
				where caller_key_id = ? and idempotency_key = ? and claim = ? and state = 'RUNNING'
				""")
			.params(status, contentType, sealedBody, keptFor.toSeconds(), callerKeyId, key, claim)
			.update() == 1;
	}

	/** Frees the key after a run whose response is not kept (5xx, failure): a retry runs anew. */
	void release(UUID callerKeyId, String key, UUID claim) {
		this.jdbc.sql("delete from idempotency_key where caller_key_id = ? and idempotency_key = ? and claim = ?")
			.params(callerKeyId, key, claim)
			.update();
	}

	/** Keeps running requests' claims fresh, so only a dead process's claim goes stale. */
	void touch(Collection<UUID> claims) {
		if (claims.isEmpty()) {
			return;
		}
		this.jdbc.sql("update idempotency_key set claimed_at = now() where claim = any(cast(? as uuid[])) and state = 'RUNNING'")
			.param(claims.stream().map(UUID::toString).toArray(String[]::new))
			.update();
	}

	int deleteExpired(int limit) {
		return this.jdbc.sql("""
				delete from idempotency_key where ctid in (
				    select ctid from idempotency_key where expires_at <= now() limit ?)
				""").param(limit).update();
	}

	record Stored(UUID claim, String requestHash, boolean done, int status, String contentType, String sealedBody) {
	}

}
