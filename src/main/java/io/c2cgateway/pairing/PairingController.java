package io.c2cgateway.pairing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.QueryParameters;

@RestController
@RequestMapping("/api/v1/pairings")
class PairingController {

	static final Set<String> STATUSES = Set.copyOf(PairingStatus.NAMES);

	private final PairingService pairings;

	PairingController(PairingService pairings) {
		this.pairings = pairings;
	}

	@PostMapping
	@ApiResponse(responseCode = "201", description = "A new pairing with a live code")
	@ApiResponse(responseCode = "200", description = "This caller's pending pairing of the device and model, unchanged")
	ResponseEntity<Pairing> start(@Valid @RequestBody NewPairing request, @AuthenticationPrincipal Caller caller) {
		PairingService.Started started = this.pairings.start(request, caller);
		return ResponseEntity.status(started.created() ? HttpStatus.CREATED : HttpStatus.OK).body(started.pairing());
	}

	@GetMapping("/{id}")
	Pairing get(@PathVariable String id, @AuthenticationPrincipal Caller caller) {
		return this.pairings.get(id, caller);
	}

	@DeleteMapping("/{id}")
	Pairing cancel(@PathVariable String id, @AuthenticationPrincipal Caller caller) {
		return this.pairings.cancel(id, caller);
	}

	@GetMapping
	PairingService.Page list(@RequestParam(name = "status", required = false) List<String> statuses,
			@RequestParam(required = false) String model, @RequestParam(required = false) String deviceId,
			@RequestParam(required = false) String createdAfter, @RequestParam(required = false) String createdBefore,
			@RequestParam(required = false) String limit, @RequestParam(required = false) String cursor,
			@AuthenticationPrincipal Caller caller) {
		QueryParameters query = new QueryParameters();
		List<String> wanted = new ArrayList<>();
		if (statuses != null) {
			for (String status : statuses) {
				for (String one : status.split(",")) {
					if (STATUSES.contains(one.trim())) {
						wanted.add(one.trim());
					}
					else {
						query.reject("status", "must be one of " + String.join(", ", STATUSES.stream().sorted().toList()));
					}
				}
			}
		}
		String byModel = query.text("model", model);
		String byDevice = query.text("deviceId", deviceId);
		Instant after = query.instant("createdAfter", createdAfter);
		Instant before = query.instant("createdBefore", createdBefore);
		int size = query.limit(limit);
		PairingQuery.Cursor position = query.cursor(cursor, PairingQuery.Cursor::decode);
		query.throwIfInvalid();
		return this.pairings.list(new PairingQuery(wanted, byModel, byDevice, after, before,
				size, position, null), caller);
	}

}
