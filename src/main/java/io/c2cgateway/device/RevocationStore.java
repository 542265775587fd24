package io.c2cgateway.device;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import static io.c2cgateway.system.SqlTime.instant;
import static io.c2cgateway.system.SqlTime.seconds;
import static io.c2cgateway.system.SqlTime.utc;

/**
 * The SQL of revocation jobs: tokens waiting to be revoked at Frame.io (see {@link Reason}). Job
 * leases, like refresh leases, are judged by the database's {@code now()}; due times are domain
 * times from the injected clock.
 */
@Repository
class RevocationStore {

	private final JdbcClient jdbc;

	RevocationStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Queues a revoked device's tokens for revocation, dead at the latest a refresh token's life
	 * after {@code at}; false when a job of that id exists already (it was queued before).
	 */
	boolean insertRevocation(UUID id, String deviceId, String model, String clientVersion, String sealedRefresh,
			String sealedAccess, Instant at) {
		return insertRevocation(id, deviceId, model, clientVersion, sealedRefresh, sealedAccess, at,
				Reason.DEVICE_REVOKED, null, at.plus(DeviceCustody.REFRESH_TOKEN_LIFE));
	}

	/**
	 * Queues tokens for revocation; false when a job of that id exists already (it was queued
	 * before). {@code pairingId} is the pairing the tokens were issued for, if known;
	 * {@code expiresAt} is when the last of them dies by itself, after which nothing is left to revoke.
	 */
	boolean insertRevocation(UUID id, String deviceId, String model, String clientVersion, String sealedRefresh,
			String sealedAccess, Instant at, Reason reason, UUID pairingId, Instant expiresAt) {
		return this.jdbc.sql("""
				insert into device_revocation (id, device_id, model, client_version, refresh_token_enc, access_token_enc,
				    created_at, attempts, next_attempt_at, reason, pairing_id, expires_at)
				values (:id, :deviceId, :model, :clientVersion, :refresh, :access, :at, 0, :at, :reason, :pairingId,
				    :expiresAt)
				on conflict (id) do nothing
				""")
			.param("id", id)
			.param("deviceId", deviceId)
			.param("model", model)
			.param("clientVersion", clientVersion)
			.param("refresh", sealedRefresh)
			.param("access", sealedAccess)
			.param("at", utc(at))
			.param("reason", reason.column())
			.param("pairingId", pairingId)
			.param("expiresAt", utc(expiresAt))
			.update() == 1;
	}

	/** Leases one revocation job, if it is not done and nobody live holds it. */
	Optional<RevocationRow> claimRevocation(UUID id, String owner, Duration ttl) {
		return this.jdbc.sql("""
				update device_revocation set lease_owner = :owner, lease_until = now() + make_interval(secs => :ttl)
				where id = :id and done_at is null and (lease_until is null or lease_until <= now())
				returning id, device_id, model, client_version, refresh_token_enc, access_token_enc, attempts, reason,
				    pairing_id, expires_at
				""").param("owner", owner).param("ttl", seconds(ttl)).param("id", id).query(RevocationStore::revocation).optional();
	}

	/** Leases revocation jobs due at {@code now} (domain time) that nobody live holds. */
	List<RevocationRow> claimDueRevocations(String owner, Duration ttl, Instant now, int limit) {
		return this.jdbc.sql("""
				with due as (
				    select id from device_revocation
				    where done_at is null and next_attempt_at <= :now and (lease_until is null or lease_until <= now())
				    order by next_attempt_at
				    limit :limit
				    for update skip locked)
				update device_revocation r set lease_owner = :owner, lease_until = now() + make_interval(secs => :ttl)
				from due
				where r.id = due.id
				returning r.id, r.device_id, r.model, r.client_version, r.refresh_token_enc, r.access_token_enc, r.attempts,
				    r.reason, r.pairing_id, r.expires_at
				""")
			.param("now", utc(now))
			.param("limit", limit)
			.param("owner", owner)
			.param("ttl", seconds(ttl))
			.query(RevocationStore::revocation)
			.list();
	}

	/** Frame.io confirmed one token revoked: it is destroyed at once, whatever happens to the other. */
	void revokedUpstream(UUID id, String owner, boolean refreshToken) {
		String column = refreshToken ? "refresh_token_enc" : "access_token_enc";
		this.jdbc.sql("update device_revocation set " + column + " = null where id = :id and lease_owner = :owner")
			.param("id", id)
			.param("owner", owner)
			.update();
	}

	/** Gives a leased job up unchanged (not a failed attempt): it stays due for whoever claims next. */
	void handBackRevocation(UUID id, String owner) {
		this.jdbc.sql("update device_revocation set lease_owner = null, lease_until = null "
				+ "where id = :id and lease_owner = :owner and done_at is null")
			.param("id", id)
			.param("owner", owner)
			.update();
	}

	/**
	 * The job ends, whatever the outcome: no further attempt, and its tokens are destroyed (none
	 * is ever sent again). {@code error} is Frame.io's code for a refusal.
	 */
	boolean revocationEnded(UUID id, String owner, Instant at, Outcome outcome, String error) {
		return this.jdbc.sql("""
				update device_revocation set done_at = :at, outcome = :outcome, refresh_token_enc = null,
				    access_token_enc = null, lease_owner = null, lease_until = null, last_error = :error
				where id = :id and lease_owner = :owner and done_at is null
				""")
			.param("at", utc(at))
			.param("outcome", outcome.name())
			.param("error", error)
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	void revocationFailed(UUID id, String owner, Instant nextAttemptAt, String error) {
		this.jdbc.sql("""
				update device_revocation set attempts = attempts + 1, next_attempt_at = :next, last_error = :error,
				    lease_owner = null, lease_until = null
				where id = :id and lease_owner = :owner
				""").param("next", utc(nextAttemptAt)).param("error", error).param("id", id).param("owner", owner).update();
	}

	/** Whether the device's own revocation (not that of replaced or discarded tokens) still has work to do. */
	boolean revocationPending(String deviceId) {
		return this.jdbc.sql("""
				select exists (select 1 from device_revocation
				    where device_id = ? and reason = 'device_revoked' and done_at is null)
				""").param(deviceId).query(Boolean.class).single();
	}

	private static RevocationRow revocation(ResultSet rs, int row) throws SQLException {
		return new RevocationRow(rs.getObject("id", UUID.class), rs.getString("device_id"), rs.getString("model"),
				rs.getString("client_version"), rs.getString("refresh_token_enc"), rs.getString("access_token_enc"),
				rs.getInt("attempts"), Reason.of(rs.getString("reason")), rs.getObject("pairing_id", UUID.class),
				instant(rs, "expires_at"));
	}

	/**
	 * A revocation job as leased; the tokens are sealed to this row. {@code expiresAt}: the tokens
	 * are dead by then and nothing is left to revoke.
	 */
	record RevocationRow(UUID id, String deviceId, String model, String clientVersion, String sealedRefresh,
			String sealedAccess, int attempts, Reason reason, UUID pairingId, Instant expiresAt) {

		@Override
		public String toString() {
			return "RevocationRow[id=" + this.id + ", deviceId=" + this.deviceId + ", reason=" + this.reason
					+ ", attempts=" + this.attempts + "]";
		}

	}

	/** Whose tokens a job holds. Only a revoked device's own decide its {@code upstreamRevocation}. */
	enum Reason {

		/** The device was revoked (also tokens a refresh brought back while it was). */
		DEVICE_REVOKED,

		/** A later pairing of the device replaced them. */
		SUPERSEDED,

		/** Issued for a pairing that could no longer take them. */
		DISCARDED;

		String column() {
			return name().toLowerCase(Locale.ROOT);
		}

		static Reason of(String column) {
			return valueOf(column.toUpperCase(Locale.ROOT));
		}

	}

	/** How a job ended. */
	enum Outcome {

		/** Frame.io confirmed. */
		DONE,

		/** Frame.io refused: a 4xx with its error code, other than 408 and 429. */
		FAILED,

		/** The tokens died by themselves first: nothing left to revoke. */
		EXPIRED

	}

}
