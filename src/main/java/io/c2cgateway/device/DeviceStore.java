package io.c2cgateway.device;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import static io.c2cgateway.system.SqlTime.instant;
import static io.c2cgateway.system.SqlTime.seconds;
import static io.c2cgateway.system.SqlTime.utc;

/**
 * The custody SQL of the device row; revocation jobs are in {@link RevocationStore}. Refresh
 * leases are judged by the database's {@code now()}, so replicas with skewed clocks agree on who is
 * refreshing; token lifetimes are domain times from the injected clock. New tokens are written in
 * one statement fenced by the row's {@code version}, which grows whenever the tokens change hands
 * (refresh, re-pairing, revocation): a write based on tokens that are no longer the stored ones
 * changes nothing.
 */
@Repository
class DeviceStore {

	private static final String COLUMNS = """
			d.device_id, d.model, d.client_version, d.state, d.access_token_enc, d.access_token_expires_at,
			d.refresh_token_enc, d.refresh_token_issued_at, d.refresh_token_expires_at, d.paired_at, d.last_refresh_at,
			d.last_pairing_id, d.device_key_issued, d.revoked_at, d.version, d.refresh_lease_owner,
			coalesce(d.refresh_lease_until > now(), false) as lease_live, d.refresh_failed_by, d.refresh_failure,
			d.refresh_unknown_since,
			case when d.state = 'REVOKED' then coalesce(u.status, 'DONE') end as upstream_revocation,
			case when d.state = 'REVOKED' and u.status = 'FAILED' then u.error end as upstream_revocation_error
			""";

	/**
	 * The device's own revocation, from its jobs: pending while one is, else FAILED if Frame.io
	 * refused one (with the latest refusal's code), else EXPIRED if tokens died first, else DONE.
	 * Jobs of replaced or discarded tokens, and those of an earlier pairing, are not the device's.
	 */
	private static final String UPSTREAM_REVOCATION = """
			left join lateral (
			    select case when bool_or(r.done_at is null) then 'PENDING'
			                when bool_or(r.outcome = 'FAILED') then 'FAILED'
			                when bool_or(r.outcome = 'EXPIRED') then 'EXPIRED' end as status,
			        (array_agg(r.last_error order by r.done_at desc) filter (where r.outcome = 'FAILED'))[1] as error
			    from device_revocation r
			    where d.state = 'REVOKED' and r.device_id = d.device_id and r.reason = 'device_revoked'
			      and (r.pairing_id is null or r.pairing_id = d.last_pairing_id)) u on true
			""";

	private static final RowMapper<DeviceRow> MAPPER = DeviceStore::map;

	private final JdbcClient jdbc;

	DeviceStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	Optional<DeviceRow> find(String deviceId) {
		return this.jdbc.sql("select " + COLUMNS + " from device d " + UPSTREAM_REVOCATION + " where d.device_id = ?")
			.param(deviceId)
			.query(MAPPER)
			.optional();
	}

	/** The row, locked until the end of the caller's transaction. */
	Optional<DeviceRow> lock(String deviceId) {
		return this.jdbc.sql("select " + COLUMNS + " from device d " + UPSTREAM_REVOCATION + " where d.device_id = ? for update of d")
			.param(deviceId)
			.query(MAPPER)
			.optional();
	}

	List<DeviceRow> list(DeviceQuery query) {
		StringBuilder sql = new StringBuilder("select " + COLUMNS + " from device d " + UPSTREAM_REVOCATION + " where true");
		List<Object> params = new ArrayList<>();
		if (!query.states().isEmpty()) {
			sql.append(" and d.state = any(?)");
			params.add(query.states().toArray(new String[0]));
		}
		if (query.model() != null) {
			sql.append(" and d.model = ?");
			params.add(query.model());
		}
		if (query.refreshExpiresBefore() != null) {
			sql.append(" and d.refresh_token_expires_at < ?");
			params.add(utc(query.refreshExpiresBefore()));
		}
		if (query.after() != null) {
			sql.append(" and d.device_id > ?");
			params.add(query.after());
		}
		sql.append(" order by d.device_id limit ?");
		params.add(query.limit() + 1);
		return this.jdbc.sql(sql.toString()).params(params).query(MAPPER).list();
	}

	// ---- refresh lease -----------------------------------------------------------------------

	/**
	 * Takes the refresh lease of a device whose tokens are still those of {@code version} and whose
	 * lease is free or ran out. Concurrent callers queue on the row lock and see the winner's lease.
	 */
	Optional<Claim> acquireLease(String deviceId, long version, String owner, Duration ttl) {
		long asked = System.nanoTime();
		return this.jdbc.sql("""
				with candidate as (
				    select device_id, refresh_lease_owner as previous_owner from device
				    where device_id = :deviceId and version = :version and state = 'PAIRED'
				      and (refresh_lease_until is null or refresh_lease_until <= now())
				    for update)
				update device d set refresh_lease_owner = :owner, refresh_lease_until = now() + make_interval(secs => :ttl)
				from candidate c
				where d.device_id = c.device_id
				returning d.device_id, d.version, c.previous_owner
				""")
			.param("deviceId", deviceId)
			.param("version", version)
			.param("owner", owner)
			.param("ttl", seconds(ttl))
			.query((rs, row) -> claim(rs, asked))
			.optional();
	}

	/**
	 * Leases, in one statement, paired devices whose refresh token was issued at or before
	 * {@code issuedBefore} or has half of its stated life behind it at {@code now}, and whose last
	 * failed refresh is older than {@code failedBefore}; the longest overdue first. Each kind is
	 * picked by its own partial index (an {@code or} of the two would walk one index end to end).
	 */
	List<Claim> claimDue(String owner, Duration ttl, Instant issuedBefore, Instant now, Instant failedBefore,
			int limit) {
		long asked = System.nanoTime();
		return this.jdbc.sql("""
				with by_age as (
				    select device_id, refresh_lease_owner as previous_owner,
				        cast(:issuedBefore as timestamptz) - refresh_token_issued_at as overdue
				    from device
				    where state = 'PAIRED' and refresh_token_enc is not null
				      and refresh_token_issued_at <= :issuedBefore
				      and (refresh_failed_at is null or refresh_failed_at <= :failedBefore)
				      and (refresh_lease_until is null or refresh_lease_until <= now())
				    order by refresh_token_issued_at
				    limit :limit
				    for update skip locked),
				by_half_life as (
				    select device_id, refresh_lease_owner as previous_owner,
				        cast(:now as timestamptz) - refresh_token_half_life_at as overdue
				    from device
				    where state = 'PAIRED' and refresh_token_enc is not null
				      and refresh_token_half_life_at <= :now
				      and (refresh_failed_at is null or refresh_failed_at <= :failedBefore)
				      and (refresh_lease_until is null or refresh_lease_until <= now())
				    order by refresh_token_half_life_at
				    limit :limit
				    for update skip locked),
				due as (
				    select device_id, previous_owner
				    from (select * from by_age union all select * from by_half_life) either
				    group by device_id, previous_owner
				    order by max(overdue) desc
				    limit :limit)
				update device d set refresh_lease_owner = :owner, refresh_lease_until = now() + make_interval(secs => :ttl)
				from due c
				where d.device_id = c.device_id
				returning d.device_id, d.version, c.previous_owner
				""")
			.param("issuedBefore", utc(issuedBefore))
			.param("now", utc(now))
			.param("failedBefore", utc(failedBefore))
			.param("limit", limit)
			.param("owner", owner)
			.param("ttl", seconds(ttl))
			.query((rs, row) -> claim(rs, asked))
			.list();
	}

	boolean renewLease(String deviceId, String owner, Duration ttl) {
		return this.jdbc.sql("""
				update device set refresh_lease_until = now() + make_interval(secs => :ttl)
				where device_id = :deviceId and refresh_lease_owner = :owner
				""").param("ttl", seconds(ttl)).param("deviceId", deviceId).param("owner", owner).update() == 1;
	}

	/** Ends a lease without new tokens; callers that waited on it read {@code failure} as its answer. */
	void releaseWithFailure(String deviceId, String owner, String failure, Instant at) {
		this.jdbc.sql("""
				update device set refresh_lease_owner = null, refresh_lease_until = null, refresh_failed_by = :owner,
				    refresh_failure = :failure, refresh_failed_at = :at
				where device_id = :deviceId and refresh_lease_owner = :owner
				""").param("owner", owner).param("failure", failure).param("at", utc(at)).param("deviceId", deviceId).update();
	}

	/** True when the version changed (it is a new one for this device). */
	boolean updateClientVersion(String deviceId, String clientVersion) {
		return this.jdbc.sql("""
				update device set client_version = :clientVersion
				where device_id = :deviceId and client_version <> :clientVersion
				""").param("deviceId", deviceId).param("clientVersion", clientVersion).update() == 1;
	}

	void release(String deviceId, String owner) {
		this.jdbc.sql("""
				update device set refresh_lease_owner = null, refresh_lease_until = null
				where device_id = :deviceId and refresh_lease_owner = :owner
				""").param("deviceId", deviceId).param("owner", owner).update();
	}

	/** Remembers that a refresh with the stored refresh token went out and was never answered. */
	void markOutcomeUnknown(String deviceId, long version, Instant at) {
		this.jdbc.sql("""
				update device set refresh_unknown_since = coalesce(refresh_unknown_since, :at)
				where device_id = :deviceId and version = :version
				""").param("at", utc(at)).param("deviceId", deviceId).param("version", version).update();
	}

	/**
	 * The new pair, in one statement: both tokens, their lifetimes, the lease ended. Fenced by the
	 * version the refresh started from, not by the lease: tokens Frame.io handed out exist once, and
	 * a lease that ran out meanwhile must not throw them away while they are still the newest. A
	 * refresh token that did not rotate keeps its stored half-life moment ({@code rotated} false).
	 */
	boolean storeRefreshed(String deviceId, long version, String sealedAccess, Instant accessExpiresAt,
			String sealedRefresh, Instant refreshIssuedAt, Instant refreshExpiresAt, boolean rotated,
			Instant refreshHalfLifeAt, Instant at) {
		return this.jdbc.sql("""
				update device set access_token_enc = :access, access_token_expires_at = :accessExpires,
				    refresh_token_enc = :refresh, refresh_token_issued_at = :issued, refresh_token_expires_at = :refreshExpires,
				    refresh_token_half_life_at = case when :rotated then cast(:halfLife as timestamptz)
				        else refresh_token_half_life_at end,
				    last_refresh_at = :at, version = version + 1, refresh_lease_owner = null, refresh_lease_until = null,
				    refresh_failed_by = null, refresh_failure = null, refresh_failed_at = null, refresh_unknown_since = null
				where device_id = :deviceId and version = :version and state = 'PAIRED'
				""")
			.param("access", sealedAccess)
			.param("accessExpires", utc(accessExpiresAt))
			.param("refresh", sealedRefresh)
			.param("issued", utc(refreshIssuedAt))
			.param("at", utc(at))
			.param("refreshExpires", utc(refreshExpiresAt))
			.param("rotated", rotated)
			.param("halfLife", utc(refreshHalfLifeAt))
			.param("deviceId", deviceId)
			.param("version", version)
			.update() == 1;
	}

	boolean markReauthRequired(String deviceId, long version) {
		return this.jdbc.sql("""
				update device set state = 'REAUTH_REQUIRED', refresh_lease_owner = null, refresh_lease_until = null
				where device_id = :deviceId and version = :version and state = 'PAIRED'
				""").param("deviceId", deviceId).param("version", version).update() == 1;
	}

	// ---- device keys ---------------------------------------------------------------------------

	/** Marks the key of this pairing issued, once: false when it was, or a later pairing replaced it. */
	boolean markKeyIssued(String deviceId, UUID pairingId) {
		return this.jdbc.sql("""
				update device set device_key_issued = true
				where device_id = :deviceId and last_pairing_id = :pairingId and not device_key_issued
				  and state <> 'REVOKED'
				""").param("deviceId", deviceId).param("pairingId", pairingId).update() == 1;
	}

	void markKeyIssued(String deviceId) {
		this.jdbc.sql("update device set device_key_issued = true where device_id = ?").param(deviceId).update();
	}

	// ---- revocation ----------------------------------------------------------------------------

	/** The device is revoked; its tokens have moved to a revocation job (or there were none). */
	boolean revoke(String deviceId, Instant at) {
		return this.jdbc.sql("""
				update device set state = 'REVOKED', revoked_at = :at, access_token_enc = null,
				    access_token_expires_at = null, refresh_token_enc = null, refresh_token_expires_at = null,
				    version = version + 1, refresh_lease_owner = null, refresh_lease_until = null
				where device_id = :deviceId and state <> 'REVOKED'
				""").param("at", utc(at)).param("deviceId", deviceId).update() == 1;
	}

	// ---- mapping -------------------------------------------------------------------------------

	private static DeviceRow map(ResultSet rs, int row) throws SQLException {
		return new DeviceRow(rs.getString("device_id"), rs.getString("model"), rs.getString("client_version"),
				rs.getString("state"), rs.getString("access_token_enc"), instant(rs, "access_token_expires_at"),
				rs.getString("refresh_token_enc"), instant(rs, "refresh_token_issued_at"),
				instant(rs, "refresh_token_expires_at"), instant(rs, "paired_at"), instant(rs, "last_refresh_at"),
				rs.getObject("last_pairing_id", UUID.class), rs.getBoolean("device_key_issued"),
				instant(rs, "revoked_at"), rs.getLong("version"), rs.getString("refresh_lease_owner"),
				rs.getBoolean("lease_live"), rs.getString("refresh_failed_by"), rs.getString("refresh_failure"),
				instant(rs, "refresh_unknown_since"), rs.getString("upstream_revocation"),
				rs.getString("upstream_revocation_error"));
	}

	private static Claim claim(ResultSet rs, long askedAtNanos) throws SQLException {
		return new Claim(rs.getString("device_id"), rs.getLong("version"), rs.getString("previous_owner"), askedAtNanos);
	}

	/**
	 * A refresh lease taken. {@code previousOwner} is set when the previous lease ran out without
	 * being released: its holder may have spent the stored refresh token. {@code askedAtNanos} is
	 * the local monotonic time just before the statement that took it: the database started the
	 * lease no earlier, so {@code askedAtNanos} plus the lease time never outlasts its lease.
	 */
	record Claim(String deviceId, long version, String previousOwner, long askedAtNanos) {
	}

}
