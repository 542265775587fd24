package io.c2cgateway.sandbox;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A webhook receiver on the gateway itself, so a trial shows deliveries without another server:
 * subscribe {@code http://127.0.0.1:<port>/sandbox/webhooks} (with http and private targets
 * allowed, as the local profile does), then {@code GET /sandbox/webhooks} lists what came, newest
 * last. {@code ?status=503} on the subscribed URL makes it answer that status, to watch retries.
 */
@RestController
@Profile("sandbox")
class WebhookReceiver {

	private static final int KEPT = 1000;

	private final Deque<Received> received = new ArrayDeque<>();

	private final Clock clock;

	WebhookReceiver(Clock clock) {
		this.clock = clock;
	}

	@PostMapping("/sandbox/webhooks")
	ResponseEntity<Void> receive(@RequestBody(required = false) String body,
			@RequestParam(required = false) Integer status, HttpServletRequest request) {
		Received entry = new Received(this.clock.instant(), request.getHeader("webhook-id"),
				request.getHeader("webhook-timestamp"), request.getHeader("webhook-signature"), body,
				(status != null) ? status : 204);
		synchronized (this.received) {
			this.received.addLast(entry);
			while (this.received.size() > KEPT) {
				this.received.removeFirst();
			}
		}
		HttpStatus answer = (status != null) ? HttpStatus.resolve(status) : null;
		return ResponseEntity.status((answer != null) ? answer : HttpStatus.NO_CONTENT).build();
	}

	@GetMapping("/sandbox/webhooks")
	Map<String, List<Received>> list() {
		synchronized (this.received) {
			return Map.of("items", new ArrayList<>(this.received));
		}
	}

	record Received(Instant receivedAt, String webhookId, String webhookTimestamp, String webhookSignature, String body,
			int answeredStatus) {
	}

}
