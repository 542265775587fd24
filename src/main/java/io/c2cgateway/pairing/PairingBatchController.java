package io.c2cgateway.pairing;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.security.Caller;
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
	PairingBatch.Results start(@RequestBody JsonNode body, @AuthenticationPrincipal Caller caller) {
		return this.batch.start(body, caller);
	}

}
