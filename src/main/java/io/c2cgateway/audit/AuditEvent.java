package io.c2cgateway.audit;

import java.time.Instant;

/** One entry of the audit trail as {@code GET /api/v1/audit-events} shows it. */
public record AuditEvent(long id, Instant at, String actor, String action, String subjectType, String subjectId,
		String detail) {
}
