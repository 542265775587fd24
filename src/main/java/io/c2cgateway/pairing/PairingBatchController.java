package io.c2cgateway.pairing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.DomainException;
import io.c2cgateway.system.DomainProblems;
import io.c2cgateway.system.Problems;
import tools.jackson.databind.JsonNode;

@RestController
@RequestMapping("/api/v1/pairings")
class PairingBatchController {

	private final PairingBatch batch;

	PairingBatchController(PairingBatch batch) {
		this.batch = batch;
	}

	/** Always 200 once the body is a list of 1..500 items; each item carries its own status. */
	@PostMapping("/batch")
	Results start(@RequestBody JsonNode body, @AuthenticationPrincipal Caller caller) {
		return new Results(this.batch.start(body, caller).results().stream().map(PairingBatchController::answer).toList());
	}

	private static Result answer(PairingBatch.Result item) {
		if (item.failure() != null) {
			HttpStatus status = DomainProblems.statusOf(item.failure());
			return new Result(item.index(), status.value(), null, problem(item.failure(), status));
		}
		return new Result(item.index(), item.created() ? 201 : 200, item.pairing(), null);
	}

	/** The problem detail the item would have been answered with alone; a header becomes a field. */
	private static Map<String, Object> problem(DomainException ex, HttpStatus status) {
		Map<String, Object> problem = new LinkedHashMap<>();
		problem.put("type", Problems.typeOf(ex.code()).toString());
		problem.put("title", status.getReasonPhrase());
		problem.put("status", status.value());
		problem.put("detail", ex.getMessage());
		problem.put("code", ex.code());
		problem.putAll(ex.properties());
		Long retryAfter = DomainProblems.retryAfterSeconds(ex);
		if (retryAfter != null) {
			problem.put("retryAfterSeconds", retryAfter);
		}
		return problem;
	}

	/** One answer per item, in the order of the request. */
	record Results(List<Result> results) {
	}

	/** One item's answer: {@code pairing} for 200/201, {@code problem} otherwise; the other is null. */
	record Result(int index, int status, Pairing pairing, Map<String, Object> problem) {
	}

}
