package io.c2cgateway.pairing;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;

import static io.c2cgateway.system.SqlTime.instant;
import static io.c2cgateway.system.SqlTime.utc;

/**
 * Pairing rows as the API sees them; the poll engine's columns are written by the engine only, and
 * a row's status changes through {@link PairingTransitions} only.
 * The user code, alone and at the end of {@code verification_uri_complete}, is sealed like the
 * device code: a dump must not hand anyone a live code to capture the device with.
 */
@Repository
class PairingStore {

	private static final Logger log = LoggerFactory.getLogger(PairingStore.class);

	static final String TABLE = "pairing";

	static final String USER_CODE = "user_code";

	static final String VERIFICATION_URI_COMPLETE = "verification_uri_complete";

	private static final String COLUMNS = "id, device_id, model, client_version, url_pairing, status, user_code,"
			+ " verification_uri, verification_uri_complete, device_name, code_expires_at, codes_issued, interval_s,"
			+ " expires_at, created_at, updated_at, completed_at, failure_reason, created_by, version, created_by_key_id,"
			+ " frameio_device_id, frameio_device_name, frameio_project_id, frameio_project_name";

	private final RowMapper<Pairing> mapper = this::map;

	private final JdbcClient jdbc;

	private final SecretBox box;

	PairingStore(JdbcClient jdbc, SecretBox box) {
		this.jdbc = jdbc;
		this.box = box;
	}

	/**
	 * Stores a new pending pairing, unless its model no longer exists (false): {@code pairing.model}
	 * has no foreign key, and the caller may have read the model from a copy.
	 */
	boolean insert(Pairing pairing, String sealedDeviceCode, Instant nextPollAt) {
		return this.jdbc.sql("""
				insert into pairing (id, device_id, model, client_version, url_pairing, status, user_code, verification_uri,
				    verification_uri_complete, device_name, device_code_enc, code_expires_at, codes_issued, interval_s,
				    expires_at, created_at, updated_at, completed_at, failure_reason, created_by, created_by_key_id, version,
				    next_poll_at, last_poll_at, backoff_s, lease_owner, lease_epoch)
				select :id, :deviceId, :model, :clientVersion, :urlPairing, 'PENDING', :userCode, :verificationUri,
				    :verificationUriComplete, :deviceName, :deviceCode, :codeExpiresAt, 1, :interval, :expiresAt, :createdAt,
				    :createdAt, null, null, :createdBy, :createdByKeyId, 1, :nextPollAt, null, 0, null, 0
				where exists (select 1 from device_model where model = :model)
				""")
			.param("id", pairing.id())
			.param("deviceId", pairing.deviceId())
			.param("model", pairing.model())
			.param("clientVersion", pairing.clientVersion())
			.param("urlPairing", pairing.urlPairing())
			.param("userCode", seal(this.box, pairing.userCode(), USER_CODE, pairing.id()))
			.param("verificationUri", pairing.verificationUri())
			.param("verificationUriComplete",
					seal(this.box, pairing.verificationUriComplete(), VERIFICATION_URI_COMPLETE, pairing.id()))
			.param("deviceName", pairing.deviceName())
			.param("deviceCode", sealedDeviceCode)
			.param("codeExpiresAt", utc(pairing.codeExpiresAt()))
			.param("interval", pairing.pollIntervalSeconds())
			.param("expiresAt", utc(pairing.expiresAt()))
			.param("createdAt", utc(pairing.createdAt()))
			.param("createdBy", pairing.createdBy())
			.param("createdByKeyId", pairing.createdByKeyId())
			.param("nextPollAt", utc(nextPollAt))
			.update() == 1;
	}

	Optional<Pairing> find(UUID id) {
		return this.jdbc.sql("select " + COLUMNS + " from pairing where id = ?").param(id).query(this.mapper).optional();
	}

	/** The given pairings that exist, in no particular order. */
	List<Pairing> findAll(Collection<UUID> ids) {
		if (ids.isEmpty()) {
			return List.of();
		}
		String[] array = ids.stream().map(UUID::toString).toArray(String[]::new);
		return this.jdbc.sql("select " + COLUMNS + " from pairing where id = any(cast(? as uuid[]))")
			.param(array)
			.query(this.mapper)
			.list();
	}

	Optional<Pairing> findPending(String deviceId) {
		return this.jdbc.sql("select " + COLUMNS + " from pairing where device_id = ? and status = 'PENDING'")
			.param(deviceId)
			.query(this.mapper)
			.optional();
	}

	/** The current version of each of the given pairings that still exists. */
	Map<UUID, Long> versions(Collection<UUID> ids) {
		Map<UUID, Long> versions = new HashMap<>();
		if (ids.isEmpty()) {
			return versions;
		}
		String[] array = ids.stream().map(UUID::toString).toArray(String[]::new);
		this.jdbc.sql("select id, version from pairing where id = any(cast(? as uuid[]))")
			.param(array)
			.query((rs) -> {
				versions.put(rs.getObject("id", UUID.class), rs.getLong("version"));
			});
		return versions;
	}

	/**
	 * A page of pairings, newest first. Filtered by status, model or device, the query is split by
	 * status: pending pairings are few and reached through their own partial indexes, finished ones
	 * through the listing indexes that leave pending rows out (V19-V21), each part ordered and cut
	 * to the page before they are merged. One query over both would scan the whole creation-time
	 * index when a filter matches little (see docs/benchmarks.md, "Lists and stats at a million
	 * pairings").
	 */
	List<Pairing> list(PairingQuery query, UUID onlyCreatedBy) {
		int rows = query.limit() + 1;
		if (query.statuses().isEmpty() && query.model() == null && query.deviceId() == null) {
			List<Object> params = new ArrayList<>();
			String sql = "select " + COLUMNS + " from pairing where true" + filters(query, onlyCreatedBy, params)
					+ " order by created_at desc, id desc limit ?";
			params.add(rows);
			return this.jdbc.sql(sql).params(params).query(this.mapper).list();
		}
		List<String> parts = new ArrayList<>();
		List<Object> params = new ArrayList<>();
		if (query.statuses().isEmpty()) {
			parts.add(part("status = 'PENDING'", query, onlyCreatedBy, params, rows));
			parts.add(part("status <> 'PENDING'", query, onlyCreatedBy, params, rows));
		}
		else {
			for (String status : new java.util.LinkedHashSet<>(query.statuses())) {
				if (PairingStatus.PENDING.name().equals(status)) {
					parts.add(part("status = 'PENDING'", query, onlyCreatedBy, params, rows));
				}
				else {
					// Both conditions: the first lets the planner use the indexes on finished pairings.
					params.add(status);
					parts.add(part("status <> 'PENDING' and status = ?", query, onlyCreatedBy, params, rows));
				}
			}
		}
		String sql = "select * from (" + String.join(" union all ", parts)
				+ ") page order by created_at desc, id desc limit ?";
		params.add(rows);
		return this.jdbc.sql(sql).params(params).query(this.mapper).list();
	}

	private static String part(String status, PairingQuery query, UUID onlyCreatedBy, List<Object> params, int rows) {
		String sql = "(select " + COLUMNS + " from pairing where " + status + filters(query, onlyCreatedBy, params)
				+ " order by created_at desc, id desc limit ?)";
		params.add(rows);
		return sql;
	}

	private static String filters(PairingQuery query, UUID onlyCreatedBy, List<Object> params) {
		StringBuilder sql = new StringBuilder();
		if (onlyCreatedBy != null) {
			sql.append(" and created_by_key_id = ?");
			params.add(onlyCreatedBy);
		}
		if (query.createdByKeyId() != null) {
			sql.append(" and created_by_key_id = ?");
			params.add(query.createdByKeyId());
		}
		if (query.model() != null) {
			sql.append(" and model = ?");
			params.add(query.model());
		}
		if (query.deviceId() != null) {
			sql.append(" and device_id = ?");
			params.add(query.deviceId());
		}
		if (query.createdAfter() != null) {
			sql.append(" and created_at > ?");
			params.add(utc(query.createdAfter()));
		}
		if (query.createdBefore() != null) {
			sql.append(" and created_at < ?");
			params.add(utc(query.createdBefore()));
		}
		if (query.cursor() != null) {
			sql.append(" and (created_at, id) < (?, ?)");
			params.add(utc(query.cursor().createdAt()));
			params.add(query.cursor().id());
		}
		return sql.toString();
	}

	/** A user code or a URL that ends with one, sealed for its row; null stays null. */
	static String seal(SecretBox box, String value, String column, UUID id) {
		return (value != null) ? box.seal(Secret.of(value), TABLE, column, id) : null;
	}

	/**
	 * The plaintext of a sealed column; a value from before it was sealed is plaintext still. One that
	 * does not open (a key missing from the ring, a ciphertext moved here from another row) is left
	 * out rather than failing every list that holds the row.
	 */
	private String open(ResultSet rs, String column, UUID id) throws SQLException {
		String stored = rs.getString(column);
		if (!SecretBox.isSealed(stored)) {
			return stored;
		}
		try {
			return this.box.open(stored, TABLE, column, id).reveal();
		}
		catch (SecretBox.CryptoException ex) {
			log.error("Pairing {}: the stored {} cannot be decrypted ({}); it is left out", id, column, ex.getMessage());
			return null;
		}
	}

	private Pairing map(ResultSet rs, int row) throws SQLException {
		UUID id = rs.getObject("id", UUID.class);
		return new Pairing(id, rs.getString("device_id"), rs.getString("model"),
				rs.getString("client_version"), rs.getBoolean("url_pairing"), rs.getString("status"),
				open(rs, USER_CODE, id), rs.getString("verification_uri"), open(rs, VERIFICATION_URI_COMPLETE, id),
				rs.getString("device_name"), instant(rs, "code_expires_at"), rs.getInt("codes_issued"),
				rs.getInt("interval_s"), instant(rs, "expires_at"), instant(rs, "created_at"),
				instant(rs, "updated_at"), instant(rs, "completed_at"), rs.getString("failure_reason"),
				rs.getString("created_by"), rs.getLong("version"), frameioDevice(rs),
				rs.getObject("created_by_key_id", UUID.class));
	}

	private static FrameioDeviceView frameioDevice(ResultSet rs) throws SQLException {
		String id = rs.getString("frameio_device_id");
		return (id != null) ? new FrameioDeviceView(id, rs.getString("frameio_device_name"),
				rs.getString("frameio_project_id"), rs.getString("frameio_project_name")) : null;
	}

}
