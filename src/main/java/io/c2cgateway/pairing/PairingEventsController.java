package io.c2cgateway.pairing;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import io.c2cgateway.security.Caller;

@RestController
@RequestMapping("/api/v1/pairings")
class PairingEventsController {

	private final PairingService pairings;

	private final PairingStreams streams;

	PairingEventsController(PairingService pairings, PairingStreams streams) {
		this.pairings = pairings;
		this.streams = streams;
	}

	/**
	 * {@code text/event-stream} of one pairing. No {@code produces}: an unknown or foreign pairing
	 * must answer 404 whatever the client accepts, not 406.
	 */
	@GetMapping("/{id}/events")
	ResponseEntity<SseEmitter> events(@PathVariable String id, @AuthenticationPrincipal Caller caller) {
		Pairing current = this.pairings.get(id, caller);
		return ResponseEntity.ok()
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			// Reverse proxies must pass events on as they come, not buffer them.
			.header("X-Accel-Buffering", "no")
			.body(this.streams.open(current, caller));
	}

}
