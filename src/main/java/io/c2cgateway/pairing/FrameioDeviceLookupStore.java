package io.c2cgateway.pairing;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.c2cgateway.frameio.FrameioDevice;

import static io.c2cgateway.system.SqlTime.instant;
import static io.c2cgateway.system.SqlTime.utc;

/**
 * The SQL of the frameioDevice lookups, kept on the pairing row. Leases are judged by the
 * database's {@code now()}, so replicas with skewed clocks agree on who is looking; due times are
 * domain times from the injected clock. No statement here touches {@code version} or
 * {@code updated_at}: the lookup is no change of the pairing.
 */
@Repository
class FrameioDeviceLookupStore {

	/** Column sizes of the result (Frame.io caps a device's name at 255). */
	static final int TEXT_LENGTH = 255;

	private final JdbcClient jdbc;

	FrameioDeviceLookupStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Leases lookups due at {@code now} (domain time) that nobody live holds. */
	List<Lookup> claimDue(String owner, Duration ttl, Instant now, int limit) {
		return this.jdbc.sql("""
				with due as (
				    select id from pairing
				    where device_lookup_due_at <= :now
				      and (device_lookup_lease_until is null or device_lookup_lease_until <= now())
				    order by device_lookup_due_at
				    limit :limit
				    for update skip locked)
				update pairing p set device_lookup_lease_owner = :owner,
				    device_lookup_lease_until = now() + make_interval(secs => :ttl)
				from due
				where p.id = due.id
				returning p.id, p.device_id, p.completed_at, p.device_lookup_attempts
				""")
			.param("now", utc(now))
			.param("limit", limit)
			.param("owner", owner)
			.param("ttl", ttl.toMillis() / 1000.0)
			.query(FrameioDeviceLookupStore::lookup)
			.list();
	}

	/** Frame.io answered: the pairing shows it from now on, and the lookup is over. */
	boolean found(UUID id, String owner, FrameioDevice device) {
		return this.jdbc.sql("""
				update pairing set frameio_device_id = :deviceId, frameio_device_name = :name,
				    frameio_project_id = :projectId, frameio_project_name = :projectName,
				    device_lookup_due_at = null, device_lookup_attempts = device_lookup_attempts + 1,
				    device_lookup_error = null, device_lookup_lease_owner = null, device_lookup_lease_until = null
				where id = :id and device_lookup_lease_owner = :owner
				""")
			.param("deviceId", device.id())
			.param("name", device.name())
			.param("projectId", device.projectId())
			.param("projectName", device.projectName())
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	void failed(UUID id, String owner, Instant nextAttemptAt, String error) {
		this.jdbc.sql("""
				update pairing set device_lookup_due_at = :next, device_lookup_attempts = device_lookup_attempts + 1,
				    device_lookup_error = :error, device_lookup_lease_owner = null, device_lookup_lease_until = null
				where id = :id and device_lookup_lease_owner = :owner
				""").param("next", utc(nextAttemptAt)).param("error", error).param("id", id).param("owner", owner).update();
	}

	/**
	 * No further attempt: Frame.io kept failing ({@code attempted}), or there is nothing to ask with
	 * any more. True for the one caller that ended it.
	 */
	boolean end(UUID id, String owner, String error, boolean attempted) {
		return this.jdbc.sql("""
				update pairing set device_lookup_due_at = null,
				    device_lookup_attempts = device_lookup_attempts + :attempted, device_lookup_error = :error,
				    device_lookup_lease_owner = null, device_lookup_lease_until = null
				where id = :id and device_lookup_lease_owner = :owner
				""")
			.param("attempted", attempted ? 1 : 0)
			.param("error", error)
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	/** Gives a leased lookup up unchanged (shutting down): it stays due for whoever claims next. */
	void handBack(UUID id, String owner) {
		this.jdbc.sql("""
				update pairing set device_lookup_lease_owner = null, device_lookup_lease_until = null
				where id = :id and device_lookup_lease_owner = :owner
				""").param("id", id).param("owner", owner).update();
	}

	private static Lookup lookup(ResultSet rs, int row) throws SQLException {
		return new Lookup(rs.getObject("id", UUID.class), rs.getString("device_id"), instant(rs, "completed_at"),
				rs.getInt("device_lookup_attempts"));
	}

	/** A leased lookup: the pairing, its device, when it was authorized and how often Frame.io failed so far. */
	record Lookup(UUID pairingId, String deviceId, Instant authorizedAt, int attempts) {
	}

}
