package io.c2cgateway.audit;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.system.ApiException;
import io.c2cgateway.system.FieldProblem;

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
		List<FieldProblem> problems = new ArrayList<>();
		if (subjectId != null && subjectId.length() > 160) {
			problems.add(new FieldProblem("subjectId", "must be at most 160 characters"));
		}
		if (action != null && action.length() > 64) {
			problems.add(new FieldProblem("action", "must be at most 64 characters"));
		}
		Instant afterTime = null;
		if (after != null && !after.isBlank()) {
			try {
				afterTime = Instant.parse(after.trim());
			}
			catch (DateTimeParseException ex) {
				problems.add(new FieldProblem("after", "must be an ISO-8601 UTC time such as 2026-11-28T10:15:30.123Z"));
			}
		}
		int size = 50;
		if (limit != null) {
			try {
				size = Integer.parseInt(limit.trim());
			}
			catch (NumberFormatException ex) {
				size = -1;
			}
			if (size < 1 || size > 500) {
				problems.add(new FieldProblem("limit", "must be between 1 and 500"));
			}
		}
		Long beforeId = null;
		if (cursor != null && !cursor.isEmpty()) {
			try {
				beforeId = AuditQuery.decodeCursor(cursor);
			}
			catch (RuntimeException ex) {
				problems.add(new FieldProblem("cursor", "is not a cursor this API handed out"));
			}
		}
		if (!problems.isEmpty()) {
			throw ApiException.validation(problems);
		}
		return this.trail.list(new AuditQuery(blankToNull(subjectId), blankToNull(action), afterTime, size, beforeId));
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value.trim();
	}

}
