package io.c2cgateway.audit;

import java.time.Clock;
import java.time.Instant;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import static io.c2cgateway.system.SqlTime.utc;

/**
 * Appends audit events. Called inside the transaction of the change it records, so an event exists
 * exactly when its change does. Details name what changed, never a secret.
 */
@Service
public class AuditLog {

	private final JdbcClient jdbc;

	private final Clock clock;

	AuditLog(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	@Transactional(propagation = Propagation.REQUIRED)
	public void record(String actor, String action, String subjectType, String subjectId, String detail) {
		record(this.clock.instant(), actor, action, subjectType, subjectId, detail);
	}

	@Transactional(propagation = Propagation.REQUIRED)
	public void record(Instant at, String actor, String action, String subjectType, String subjectId, String detail) {
		this.jdbc
			.sql("insert into audit_event (at, actor, action, subject_type, subject_id, detail) values (?, ?, ?, ?, ?, ?)")
			.params(utc(at), actor, action, subjectType, subjectId, detail)
			.update();
	}

}
