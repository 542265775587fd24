package io.c2cgateway.audit;

import java.time.Instant;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.system.QueryParameters;

/** {@code GET /api/v1/audit-events} (ADMIN: the security configuration says so). */
@RestController
class AuditController {

	private final AuditTrail trail;

	AuditController(AuditTrail trail) {
		this.trail = trail;
	}

	@GetMapping("/api/v1/audit-events")
	AuditTrail.Page list(@RequestParam(required = false) String subjectId,
			@RequestParam(required = false) String action, @RequestParam(required = false) String after,
			@RequestParam(required = false) String limit, @RequestParam(required = false) String cursor) {
		QueryParameters query = new QueryParameters();
		if (subjectId != null && subjectId.length() > 160) {
			query.reject("subjectId", "must be at most 160 characters");
		}
		if (action != null && action.length() > 64) {
			query.reject("action", "must be at most 64 characters");
		}
		String bySubject = query.text("subjectId", subjectId);
		String byAction = query.text("action", action);
		Instant afterTime = query.instant("after", after);
		int size = query.limit(limit);
		Long beforeId = query.cursor(cursor, AuditQuery::decodeCursor);
		query.throwIfInvalid();
		return this.trail.list(new AuditQuery(bySubject, byAction, afterTime, size, beforeId));
	}

}
