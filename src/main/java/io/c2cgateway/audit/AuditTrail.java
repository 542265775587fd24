package io.c2cgateway.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.c2cgateway.system.SqlTime;

import static io.c2cgateway.system.SqlTime.utc;

/** Reads and prunes the audit trail; {@link AuditLog} writes it. */
@Service
public class AuditTrail {

	private final JdbcClient jdbc;

	AuditTrail(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	public Page list(AuditQuery query) {
		StringBuilder sql = new StringBuilder(
				"select id, at, actor, action, subject_type, subject_id, detail from audit_event where true");
		List<Object> params = new ArrayList<>();
		if (query.subjectId() != null) {
			sql.append(" and subject_id = ?");
			params.add(query.subjectId());
		}
		if (query.action() != null) {
			sql.append(" and action = ?");
			params.add(query.action());
		}
		if (query.after() != null) {
			sql.append(" and at > ?");
			params.add(utc(query.after()));
		}
		if (query.beforeId() != null) {
			sql.append(" and id < ?");
			params.add(query.beforeId());
		}
		sql.append(" order by id desc limit ?");
		params.add(query.limit() + 1);
		List<AuditEvent> rows = this.jdbc.sql(sql.toString()).params(params).query(AuditTrail::map).list();
		String next = null;
		if (rows.size() > query.limit()) {
			rows = rows.subList(0, query.limit());
			next = AuditQuery.cursorAfter(rows.get(rows.size() - 1).id());
		}
		return new Page(rows, next);
	}

	/** Deletes up to {@code limit} events recorded before {@code cutoff}, oldest first; for retention. */
	public int deleteRecordedBefore(Instant cutoff, int limit) {
		return this.jdbc.sql("""
				delete from audit_event where id in (
				    select id from audit_event where at < ? order by at, id limit ?)
				""").params(utc(cutoff), limit).update();
	}

	private static AuditEvent map(ResultSet rs, int row) throws SQLException {
		return new AuditEvent(rs.getLong("id"), SqlTime.instant(rs, "at"),
				rs.getString("actor"), rs.getString("action"), rs.getString("subject_type"), rs.getString("subject_id"),
				rs.getString("detail"));
	}

	public record Page(List<AuditEvent> items, String nextCursor) {
	}

}
