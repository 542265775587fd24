package io.c2cgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.NotFound;

/** Webhook endpoints as admins manage them, each change with its audit event. */
final class WebhookService {

	private static final Logger log = LoggerFactory.getLogger(WebhookService.class);

	private final WebhookStore store;

	private final SecretBox box;

	private final AuditLog audit;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final TargetPolicy policy;

	private final WebhookProperties properties;

	WebhookService(WebhookStore store, SecretBox box, AuditLog audit, TransactionTemplate tx, Clock clock,
			TargetPolicy policy, WebhookProperties properties) {
		this.store = store;
		this.box = box;
		this.audit = audit;
		this.tx = tx;
		this.clock = clock;
		this.policy = policy;
		this.properties = properties;
	}

	/** Why the URL may not be a target, or null. */
	String refusal(String url) {
		return this.policy.refusal(url);
	}

	Created create(String url, List<String> events, String description, String actor) {
		UUID id = UUID.randomUUID();
		Instant now = this.clock.instant();
		Secret secret = Signatures.newSecret();
		String sealed = this.box.seal(secret, WebhookStore.TABLE, WebhookStore.SECRET, id);
		this.tx.executeWithoutResult((status) -> {
			this.store.insert(id, url, events, description, sealed, now);
			// The host only: a URL may carry a receiver's token in its path or query.
			this.audit.record(now, actor, "webhook.created", "webhook", id.toString(),
					"host=" + java.net.URI.create(url).getHost() + " events=" + String.join(",", events));
		});
		log.info("Webhook {} created by {} for {}", id, actor, events);
		return new Created(new WebhookStore.Endpoint(id, url, events, description, now), secret);
	}

	List<WebhookStore.Endpoint> list() {
		return this.store.list();
	}

	WebhookStore.Endpoint get(String id) {
		return this.store.find(parse(id)).orElseThrow(WebhookService::notFound);
	}

	void delete(String id, String actor) {
		UUID endpoint = parse(id);
		boolean deleted = Boolean.TRUE.equals(this.tx.execute((status) -> {
			if (!this.store.delete(endpoint)) {
				return false;
			}
			this.audit.record(actor, "webhook.deleted", "webhook", endpoint.toString(), null);
			return true;
		}));
		if (!deleted) {
			throw notFound();
		}
		log.info("Webhook {} deleted by {}", endpoint, actor);
	}

	/** A new secret; the current one keeps signing beside it for {@code secret-overlap}. */
	Created rotate(String id, String actor) {
		UUID endpoint = parse(id);
		Instant now = this.clock.instant();
		Secret secret = Signatures.newSecret();
		String sealed = this.box.seal(secret, WebhookStore.TABLE, WebhookStore.SECRET, endpoint);
		this.tx.executeWithoutResult((status) -> {
			String current = this.store.lockSecret(endpoint).orElseThrow(WebhookService::notFound);
			// Sealed again under its new column: the associated data names the column.
			String previous = this.box.seal(this.box.open(current, WebhookStore.TABLE, WebhookStore.SECRET, endpoint),
					WebhookStore.TABLE, WebhookStore.PREVIOUS_SECRET, endpoint);
			Instant until = now.plus(this.properties.secretOverlap());
			this.store.rotate(endpoint, sealed, previous, until, now);
			this.audit.record(now, actor, "webhook.secret_rotated", "webhook", endpoint.toString(),
					"previousSecretUntil=" + until);
		});
		log.info("Webhook {}: secret rotated by {}", endpoint, actor);
		return new Created(get(id), secret);
	}

	Page deliveries(String id, String status, int limit, Long beforeSeq) {
		UUID endpoint = get(id).id();
		List<WebhookStore.Delivery> items = this.store.deliveries(endpoint, status, beforeSeq, limit + 1);
		String next = null;
		if (items.size() > limit) {
			items = items.subList(0, limit);
			next = encodeCursor(items.get(limit - 1).seq());
		}
		return new Page(items, next);
	}

	/** Sends a finished delivery again; 409 while it is still pending. */
	void retry(String id, String deliveryId, String actor) {
		UUID endpoint = get(id).id();
		UUID delivery = parse(deliveryId);
		Instant now = this.clock.instant();
		boolean retried = Boolean.TRUE.equals(this.tx.execute((status) -> {
			if (!this.store.retry(endpoint, delivery, now, now.plus(this.properties.giveUpAfter()))) {
				return false;
			}
			this.audit.record(now, actor, "webhook.delivery_retried", "webhook", endpoint.toString(),
					"deliveryId=" + delivery);
			return true;
		}));
		if (!retried) {
			WebhookStore.Delivery current = this.store.delivery(endpoint, delivery)
				.orElseThrow(() -> new NotFound("Delivery"));
			throw new Conflict("delivery_pending",
					"The delivery is " + current.status() + "; only DELIVERED or FAILED deliveries are sent again");
		}
	}

	static String encodeCursor(long seq) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(("w:" + seq).getBytes(StandardCharsets.UTF_8));
	}

	static long decodeCursor(String cursor) {
		String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
		if (!raw.startsWith("w:")) {
			throw new IllegalArgumentException("cursor");
		}
		return Long.parseLong(raw.substring(2));
	}

	private static UUID parse(String id) {
		try {
			UUID uuid = UUID.fromString(id);
			if (!uuid.toString().equalsIgnoreCase(id)) {
				throw notFound();
			}
			return uuid;
		}
		catch (IllegalArgumentException ex) {
			throw notFound();
		}
	}

	private static NotFound notFound() {
		return new NotFound("Webhook");
	}

	record Created(WebhookStore.Endpoint endpoint, Secret secret) {
	}

	record Page(List<WebhookStore.Delivery> items, String nextCursor) {
	}

}
