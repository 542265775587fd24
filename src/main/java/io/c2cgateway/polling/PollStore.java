package io.c2cgateway.polling;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static io.c2cgateway.system.SqlTime.instant;
import static io.c2cgateway.system.SqlTime.seconds;
import static io.c2cgateway.system.SqlTime.utc;

/**
 * The engine's SQL. Leases are judged by the database's {@code now()}, so replicas with skewed
 * clocks still agree on who owns what; poll times are domain times from the injected clock.
 * Every write about a pairing is fenced by its lease owner and epoch: a replica that lost the
 * lease changes nothing.
 * <p>
 * Leases, claims and schedules go through the engine's own small pool, so that HTTP traffic that
 * exhausts the shared pool cannot stop heartbeats (and leases moving for no reason). Renewals share
 * their transaction with their audit event, so they use the shared pool. Status changes are not
 * written here: {@link io.c2cgateway.pairing.PairingTransitions} owns them.
 */
class PollStore {

	/** The engine's pool: leases, claims, schedules. */
	private final JdbcTemplate jdbc;

	/** The same pool, for the claim's named parameters. */
	private final NamedParameterJdbcTemplate named;

	private final TransactionTemplate scheduleTx;

	/** The shared pool, inside the caller's transaction: renewals with their audit event. */
	private final JdbcTemplate shared;

	PollStore(JdbcTemplate engine, PlatformTransactionManager engineTransactions, JdbcTemplate shared) {
		this.jdbc = engine;
		this.named = new NamedParameterJdbcTemplate(engine);
		this.scheduleTx = new TransactionTemplate(engineTransactions);
		this.shared = shared;
	}

	/** One pool for everything (tests that build engines by hand). */
	PollStore(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
		this(jdbc, transactions, jdbc);
	}

	/** The shared pool, for engines built by hand that make their own {@code PairingTransitions}. */
	JdbcTemplate shared() {
		return this.shared;
	}

	/** The engine's own pool. */
	DataSource engineDatabase() {
		return this.jdbc.getDataSource();
	}

	void register(String owner, Duration ttl) {
		this.jdbc.update("""
				insert into gateway_instance (id, started_at, lease_until) values (?, now(), now() + make_interval(secs => ?))
				on conflict (id) do update set lease_until = excluded.lease_until
				""", owner, seconds(ttl));
	}

	/** Extends this replica's lease; false when it had already run out (then its pairings may have moved). */
	boolean heartbeat(String owner, Duration ttl) {
		return this.jdbc.update(
				"update gateway_instance set lease_until = now() + make_interval(secs => ?) where id = ? and lease_until > now()",
				seconds(ttl), owner) == 1;
	}

	/** Hands every pairing of this replica back (their schedules are current) and ends its lease. */
	int release(String owner) {
		int released = this.jdbc.update("update pairing set lease_owner = null where lease_owner = ? and status = 'PENDING'",
				owner);
		this.jdbc.update("delete from gateway_instance where id = ?", owner);
		return released;
	}

	/** Forgets replicas whose lease ended long ago; their pairings were free from the moment it ended. */
	int forgetDeadInstances(Duration after) {
		return this.jdbc.update("delete from gateway_instance where lease_until < now() - make_interval(secs => ?)",
				seconds(after));
	}

	/**
	 * Claims pending pairings that nobody live holds and that are due before {@code horizon}. A
	 * pairing taken over from a dead replica that may have polled it unseen is pushed to
	 * {@code now + interval}: the dead replica sent nothing after its lease ended, which is before now.
	 * <p>
	 * By lease owner, never by walking the pending rows: the owners are read from the pending-owner
	 * index a value at a time (a handful of replicas, however many pairings), those without a live
	 * heartbeat row (dead, or forgotten) are kept, and only unowned rows and theirs are read.
	 */
	List<ClaimedRow> claim(String owner, Instant now, Instant horizon, int limit) {
		return this.named.query(CLAIM, claimParameters(owner, now, horizon, limit),
				(rs, i) -> new ClaimedRow(rs.getObject("id", UUID.class), rs.getLong("lease_epoch"),
						rs.getString("device_id"), rs.getString("model"), rs.getString("client_version"),
						rs.getBoolean("url_pairing"), instant(rs, "expires_at"), rs.getString("device_code_enc"),
						instant(rs, "code_expires_at"), rs.getInt("interval_s"), rs.getInt("backoff_s"),
						instant(rs, "next_poll_at"), rs.getString("previous_owner")));
	}

	static Map<String, Object> claimParameters(String owner, Instant now, Instant horizon, int limit) {
		return Map.of("owner", owner, "now", utc(now), "horizon", utc(horizon), "limit", limit);
	}

	/*
	 * The fenced writes below name the owner with "is not distinct from", which no index answers,
	 * instead of "=", which pairing_pending_owner does: while the statistics still see the pending
	 * rows unowned (right after a burst of new pairings), a generic plan took that index for "this
	 * owner's rows" as the cheaper way to one row and walked every pairing the replica holds, per
	 * row written. The primary key is the only way left.
	 */

	/*
	 * A round's schedule writes as one statement over arrays, not one statement per row in a JDBC
	 * batch: PostgreSQL parses, binds, executes and reports each statement of a batch on its own, and
	 * at 10,000 polls a second that per-row work was most of the database's CPU per poll.
	 *
	 * The status is tested as coalesce(status, '') so that no partial index of pending rows is
	 * implied by it: joined with a list of ids, a plan may otherwise read "every pending row" through
	 * such an index into a hash, which the statistics make look free while they still count few
	 * pending rows (right after a burst of new pairings) and which then walks all of them per round.
	 * What is left is the primary key per id, or on a small table a scan of it.
	 */
	static final String RESCHEDULE = """
			update pairing p set next_poll_at = v.next_poll_at, last_poll_at = coalesce(v.polled_at, p.last_poll_at),
			    interval_s = v.interval_s, backoff_s = v.backoff_s, version = p.version + case when v.visible then 1 else 0 end,
			    updated_at = case when v.visible then v.at else p.updated_at end
			from unnest(?::uuid[], ?::int8[], ?::timestamptz[], ?::timestamptz[], ?::int4[], ?::int4[], ?::bool[],
			    ?::timestamptz[]) as v(id, epoch, next_poll_at, polled_at, interval_s, backoff_s, visible, at)
			where p.id = v.id and p.lease_epoch = v.epoch and p.lease_owner is not distinct from ?
			    and coalesce(p.status, '') = 'PENDING'
			returning p.id, p.lease_epoch
			""";

	static final String CLAIM = """
			with recursive owners(owner) as (
			    (select lease_owner from pairing where status = 'PENDING' and lease_owner is not null
			     order by lease_owner limit 1)
			    union all
			    select (select p.lease_owner from pairing p where p.status = 'PENDING' and p.lease_owner > owners.owner
			            order by p.lease_owner limit 1)
			    from owners where owners.owner is not null),
			unowned as (
			    select p.id, p.lease_owner as previous_owner, p.next_poll_at
			    from pairing p
			    -- Also decided once, from one index entry (the index scanned backward puts unowned rows
			    -- first): statistics taken while most pending rows were unowned would otherwise have the
			    -- planner read them all, every second, long after they were claimed.
			    where (select u.lease_owner is null from pairing u where u.status = 'PENDING'
			           order by u.lease_owner desc limit 1)
			      and p.status = 'PENDING' and p.lease_owner is null and p.next_poll_at <= cast(:horizon as timestamptz)
			    order by p.next_poll_at
			    limit :limit
			    for update of p skip locked),
			dead as (
			    select array(
			        select o.owner from owners o
			        where o.owner is not null and o.owner <> :owner and not exists (
			            select 1 from gateway_instance i where i.id = o.owner and i.lease_until > now())) as owners),
			abandoned as (
			    select p.id, p.lease_owner as previous_owner, p.next_poll_at
			    from pairing p
			    -- Decided once, before any row is read: with no dead owner the scan does not run at all.
			    where (select cardinality(d.owners) from dead d) > 0
			      and p.status = 'PENDING' and p.next_poll_at <= cast(:horizon as timestamptz)
			      and p.lease_owner = any(cast((select d.owners from dead d) as varchar[]))
			    order by p.next_poll_at
			    limit :limit
			    for update of p skip locked),
			candidates as (
			    select id, previous_owner from (select * from unowned union all select * from abandoned) c
			    order by c.next_poll_at
			    limit :limit)
			update pairing p
			set lease_owner = :owner,
			    lease_epoch = p.lease_epoch + 1,
			    next_poll_at = case when c.previous_owner is not null and p.next_poll_at <= cast(:now as timestamptz)
			                        then cast(:now as timestamptz) + make_interval(secs => p.interval_s) else p.next_poll_at end
			from candidates c
			where p.id = c.id
			returning p.id, p.lease_epoch, p.device_id, p.model, p.client_version, p.url_pairing, p.expires_at,
			    p.device_code_enc, p.code_expires_at, p.interval_s, p.backoff_s, p.next_poll_at, c.previous_owner
			""";

	/** Live replicas (heartbeat rows whose lease runs) and pending pairings, by the database's clock. */
	/*
	 * The pending rows are counted only while another replica is live: alone, a replica's share is
	 * all of them however many there are, and counting them read every pending row before each
	 * claim, once a second (16 ms at 50,000). In a CASE branch the count runs only when that branch
	 * is taken.
	 */
	static final String CENSUS = """
			with replicas as (select count(*) as live from gateway_instance where lease_until > now())
			select live, case when live > 1 then (select count(*) from pairing where status = 'PENDING') end as pending
			from replicas
			""";

	Census census() {
		return this.jdbc.queryForObject(CENSUS, (rs, i) -> {
			long pending = rs.getLong("pending");
			boolean counted = !rs.wasNull();
			return new Census(rs.getInt("live"), counted ? pending : Census.NOT_COUNTED);
		});
	}

	/** Hands the given pairings back, schedules as written; returns how many were still ours. */
	int handBack(String owner, Collection<UUID> ids) {
		if (ids.isEmpty()) {
			return 0;
		}
		Integer count = this.jdbc.execute((Connection connection) -> {
			try (PreparedStatement statement = connection.prepareStatement(
					"update pairing set lease_owner = null where id = any(?) and lease_owner is not distinct from ? and status = 'PENDING'")) {
				statement.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
				statement.setString(2, owner);
				return statement.executeUpdate();
			}
		});
		return (count != null) ? count : 0;
	}

	static final String STILL_HELD = "select id, lease_epoch, status, lease_owner from pairing where id = any(?)";

	/** Of the given pairings, those still pending and leased to this owner, with their lease epoch. */
	Map<UUID, Long> stillHeld(String owner, Collection<UUID> ids) {
		Map<UUID, Long> held = new HashMap<>();
		if (ids.isEmpty()) {
			return held;
		}
		this.jdbc.query((Connection connection) -> {
			// By primary key only, the rest checked here: with "status = 'PENDING'" in the query the
			// planner may walk every pending row through the pending-only index instead (it did: 12 ms a
			// round at 50,000 pending whenever the statistics still counted few pending rows, as they do
			// after a burst of new pairings), and this runs on the engine's thread every round.
			PreparedStatement statement = connection.prepareStatement(STILL_HELD);
			Array array = connection.createArrayOf("uuid", ids.toArray());
			statement.setArray(1, array);
			return statement;
		}, (ResultSet rs) -> {
			if ("PENDING".equals(rs.getString("status")) && owner.equals(rs.getString("lease_owner"))) {
				held.put(rs.getObject("id", UUID.class), rs.getLong("lease_epoch"));
			}
		});
		return held;
	}

	/** Batched reschedules; returns per row whether the fence let it through. */
	boolean[] reschedule(String owner, List<Reschedule> rows) {
		return this.scheduleTx.execute((status) -> rescheduleInTransaction(owner, rows));
	}

	private boolean[] rescheduleInTransaction(String owner, List<Reschedule> rows) {
		// By id and epoch: an outcome kept from before a lost lease may share a round with the same
		// pairing's outcome under the lease that followed; only the current epoch's row is written.
		Set<Written> written = new HashSet<>();
		this.jdbc.query((Connection connection) -> {
			PreparedStatement statement = connection.prepareStatement(RESCHEDULE);
			bindReschedules(connection, statement, owner, rows);
			return statement;
		}, (ResultSet rs) -> {
			written.add(new Written(rs.getObject(1, UUID.class), rs.getLong(2)));
		});
		boolean[] passed = new boolean[rows.size()];
		for (int i = 0; i < passed.length; i++) {
			passed[i] = written.contains(new Written(rows.get(i).id(), rows.get(i).epoch()));
		}
		return passed;
	}

	private record Written(UUID id, long epoch) {
	}

	/** The reschedule statement's parameters: one array per column, in the order of {@code rows}. */
	static void bindReschedules(Connection connection, PreparedStatement statement, String owner, List<Reschedule> rows)
			throws SQLException {
		int size = rows.size();
		UUID[] ids = new UUID[size];
		Long[] epochs = new Long[size];
		String[] nextPollAt = new String[size];
		String[] polledAt = new String[size];
		Integer[] intervals = new Integer[size];
		Integer[] backoffs = new Integer[size];
		Boolean[] visible = new Boolean[size];
		String[] at = new String[size];
		for (int i = 0; i < size; i++) {
			Reschedule row = rows.get(i);
			ids[i] = row.id();
			epochs[i] = row.epoch();
			// ISO-8601 in UTC, which timestamptz reads exactly (to the microsecond, as a bound parameter is).
			nextPollAt[i] = row.nextPollAt().toString();
			polledAt[i] = (row.polledAt() != null) ? row.polledAt().toString() : null;
			intervals[i] = row.intervalSeconds();
			backoffs[i] = row.backoffSeconds();
			visible[i] = row.visible();
			at[i] = row.at().toString();
		}
		statement.setArray(1, connection.createArrayOf("uuid", ids));
		statement.setArray(2, connection.createArrayOf("int8", epochs));
		statement.setArray(3, connection.createArrayOf("timestamptz", nextPollAt));
		statement.setArray(4, connection.createArrayOf("timestamptz", polledAt));
		statement.setArray(5, connection.createArrayOf("int4", intervals));
		statement.setArray(6, connection.createArrayOf("int4", backoffs));
		statement.setArray(7, connection.createArrayOf("bool", visible));
		statement.setArray(8, connection.createArrayOf("timestamptz", at));
		statement.setString(9, owner);
	}

	boolean renew(String owner, UUID id, long epoch, Renewal renewal) {
		return this.shared.update("""
				update pairing set user_code = ?, verification_uri = ?, verification_uri_complete = ?, device_name = ?,
				    device_code_enc = ?, code_expires_at = ?, codes_issued = codes_issued + 1, interval_s = ?, backoff_s = 0,
				    next_poll_at = ?, last_poll_at = coalesce(?, last_poll_at), version = version + 1, updated_at = ?
				where id = ? and lease_owner is not distinct from ? and lease_epoch = ? and status = 'PENDING'
				""", renewal.sealedUserCode(), renewal.verificationUri(), renewal.sealedVerificationUriComplete(),
				renewal.deviceName(), renewal.sealedDeviceCode(), utc(renewal.codeExpiresAt()),
				renewal.intervalSeconds(), utc(renewal.nextPollAt()), utc(renewal.polledAt()), utc(renewal.at()),
				id, owner, epoch) == 1;
	}

	boolean codeDead(String owner, UUID id, long epoch, Decision.CodeDead dead) {
		return this.jdbc.update("""
				update pairing set code_expires_at = least(code_expires_at, ?), next_poll_at = ?, backoff_s = ?,
				    last_poll_at = coalesce(?, last_poll_at), version = version + ?,
				    updated_at = case when ? then ? else updated_at end
				where id = ? and lease_owner is not distinct from ? and lease_epoch = ? and status = 'PENDING'
				""", utc(dead.diedAt()), utc(dead.nextAttemptAt()), dead.backoffSeconds(), utc(dead.polledAt()),
				dead.visible() ? 1 : 0, dead.visible(), utc(dead.diedAt()), id, owner, epoch) == 1;
	}

	/** Live replicas and pending pairings; the latter {@link #NOT_COUNTED} while a replica is alone. */
	record Census(int live, long pending) {

		static final long NOT_COUNTED = -1;

		boolean counted() {
			return this.pending != NOT_COUNTED;
		}

		/** This replica's fair share: the pending pairings over the live replicas, at least one replica. */
		long share() {
			return (this.pending + Math.max(1, this.live) - 1) / Math.max(1, this.live);
		}

	}

	record ClaimedRow(UUID id, long epoch, String deviceId, String model, String clientVersion, boolean urlPairing,
			Instant expiresAt, String sealedDeviceCode, Instant codeExpiresAt, int intervalSeconds, int backoffSeconds,
			Instant nextPollAt, String previousOwner) {
	}

	record Reschedule(UUID id, long epoch, Instant nextPollAt, int intervalSeconds, int backoffSeconds, boolean visible,
			Instant polledAt, Instant at) {
	}

	/** A fresh code for a pairing; the user code and the URL that ends with it come sealed, like the device code. */
	record Renewal(String sealedUserCode, String verificationUri, String sealedVerificationUriComplete, String deviceName,
			String sealedDeviceCode, Instant codeExpiresAt, int intervalSeconds, Instant nextPollAt, Instant polledAt,
			Instant at) {

		@Override
		public String toString() {
			// Neither code: the user code captures the device as surely as the device code.
			return "Renewal[codeExpiresAt=" + this.codeExpiresAt + "]";
		}

	}

	static List<UUID> ids(Collection<Tracked> tracked) {
		List<UUID> ids = new ArrayList<>(tracked.size());
		tracked.forEach((t) -> ids.add(t.id));
		return ids;
	}

}
