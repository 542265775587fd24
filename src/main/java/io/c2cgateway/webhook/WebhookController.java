package io.c2cgateway.webhook;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;

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
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.InvalidRequest;
import io.c2cgateway.system.QueryParameters;

@RestController
@RequestMapping("/api/v1/webhooks")
class WebhookController {

	private static final List<String> STATUSES = List.of("PENDING", "DELIVERED", "FAILED");

	private final WebhookService webhooks;

	WebhookController(WebhookService webhooks) {
		this.webhooks = webhooks;
	}

	@PostMapping
	@ApiResponse(responseCode = "201", description = "Created; the secret is shown only here")
	ResponseEntity<CreatedView> create(@Valid @RequestBody WebhookRequest request,
			@AuthenticationPrincipal Caller caller) {
		List<FieldProblem> problems = new ArrayList<>();
		if (request.url() == null || request.url().isBlank()) {
			problems.add(new FieldProblem("url", "is required"));
		}
		else {
			String refusal = this.webhooks.refusal(request.url());
			if (refusal != null) {
				problems.add(new FieldProblem("url", refusal));
			}
		}
		if (request.events() == null || request.events().isEmpty()) {
			problems.add(new FieldProblem("events", "is required: one or more of " + WebhookEvents.TYPES + " or *"));
		}
		else {
			for (String event : request.events()) {
				if (event == null || !(WebhookEvents.TYPES.contains(event) || WebhookEvents.ALL.equals(event))) {
					problems.add(new FieldProblem("events", "must each be one of " + WebhookEvents.TYPES + " or *"));
					break;
				}
			}
		}
		if (!problems.isEmpty()) {
			throw new InvalidRequest(problems);
		}
		WebhookService.Created created = this.webhooks.create(request.url(),
				request.events().stream().distinct().toList(), request.description(), caller.actor());
		return ResponseEntity.status(HttpStatus.CREATED).body(CreatedView.of(created));
	}

	@GetMapping
	Map<String, List<WebhookView>> list() {
		return Map.of("items", this.webhooks.list().stream().map(WebhookView::of).toList());
	}

	@GetMapping("/{id}")
	WebhookView get(@PathVariable String id) {
		return WebhookView.of(this.webhooks.get(id));
	}

	@DeleteMapping("/{id}")
	@ApiResponse(responseCode = "204", description = "Deleted, with its deliveries")
	ResponseEntity<Void> delete(@PathVariable String id, @AuthenticationPrincipal Caller caller) {
		this.webhooks.delete(id, caller.actor());
		return ResponseEntity.noContent().build();
	}

	@PostMapping("/{id}/rotate-secret")
	@ApiResponse(responseCode = "200", description = "The new secret; the previous one keeps signing for 24 h")
	CreatedView rotate(@PathVariable String id, @AuthenticationPrincipal Caller caller) {
		return CreatedView.of(this.webhooks.rotate(id, caller.actor()));
	}

	@GetMapping("/{id}/deliveries")
	DeliveryPage deliveries(@PathVariable String id, @RequestParam(required = false) String status,
			@RequestParam(required = false) String limit, @RequestParam(required = false) String cursor) {
		QueryParameters query = new QueryParameters();
		if (status != null && !STATUSES.contains(status)) {
			query.reject("status", "must be one of " + STATUSES);
		}
		int size = query.limit(limit);
		Long before = query.cursor(cursor, WebhookService::decodeCursor);
		query.throwIfInvalid();
		WebhookService.Page page = this.webhooks.deliveries(id, status, size, before);
		return new DeliveryPage(page.items().stream().map(DeliveryView::of).toList(), page.nextCursor());
	}

	@PostMapping("/{id}/deliveries/{deliveryId}/retry")
	@ApiResponse(responseCode = "202", description = "Accepted: the delivery is sent again")
	@ApiResponse(responseCode = "409", description = "delivery_pending: the delivery is not finished yet")
	ResponseEntity<Void> retry(@PathVariable String id, @PathVariable String deliveryId,
			@AuthenticationPrincipal Caller caller) {
		this.webhooks.retry(id, deliveryId, caller.actor());
		return ResponseEntity.accepted().build();
	}

	record WebhookRequest(@Size(max = 2048) String url, @Size(max = 16) List<String> events,
			@Size(max = 500) String description) {
	}

	record WebhookView(UUID id, String url, List<String> events, String description, Instant createdAt) {

		static WebhookView of(WebhookStore.Endpoint endpoint) {
			return new WebhookView(endpoint.id(), endpoint.url(), endpoint.events(), endpoint.description(),
					endpoint.createdAt());
		}

	}

	record CreatedView(UUID id, String url, List<String> events, String description, String secret,
			Instant createdAt) {

		static CreatedView of(WebhookService.Created created) {
			WebhookStore.Endpoint endpoint = created.endpoint();
			return new CreatedView(endpoint.id(), endpoint.url(), endpoint.events(), endpoint.description(),
					created.secret().reveal(), endpoint.createdAt());
		}

		@Override
		public String toString() {
			return "CreatedView[id=" + this.id + ", secret=***]";
		}

	}

	record DeliveryView(UUID id, String eventType, String status, int attempts, Integer lastStatusCode,
			String lastError, Instant createdAt, Instant deliveredAt) {

		static DeliveryView of(WebhookStore.Delivery delivery) {
			return new DeliveryView(delivery.id(), delivery.eventType(), delivery.status(), delivery.attempts(),
					delivery.lastStatusCode(), delivery.lastError(), delivery.createdAt(), delivery.deliveredAt());
		}

	}

	record DeliveryPage(List<DeliveryView> items, String nextCursor) {
	}

}
