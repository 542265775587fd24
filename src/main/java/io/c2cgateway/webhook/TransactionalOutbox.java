package io.c2cgateway.webhook;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import tools.jackson.databind.json.JsonMapper;

/**
 * The outbox: in the caller's transaction, one delivery row per subscribed endpoint (the fan-out
 * happens here, in one statement, not in the workers). Nothing is rendered or written while no
 * endpoint subscribes to the event.
 */
@Component
class TransactionalOutbox implements Outbox {

	private final WebhookStore store;

	private final Map<String, WebhookSubject> subjects = new HashMap<>();

	private final JsonMapper json;

	private final WebhookProperties properties;

	TransactionalOutbox(WebhookStore store, List<WebhookSubject> subjects, JsonMapper json,
			WebhookProperties properties) {
		this.store = store;
		subjects.forEach((subject) -> this.subjects.put(subject.subjectType(), subject));
		this.json = json;
		this.properties = properties;
	}

	@Override
	@Transactional(propagation = Propagation.MANDATORY)
	public void publish(String type, String subjectType, String subjectId, Instant at) {
		if (!WebhookEvents.TYPES.contains(type)) {
			throw new IllegalArgumentException("Not a webhook event type: " + type);
		}
		if (this.store.subscribers(type).isEmpty()) {
			return;
		}
		WebhookSubject subject = this.subjects.get(subjectType);
		Object data = (subject != null) ? subject.render(subjectId).orElse(null) : null;
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", type);
		body.put("timestamp", at.toString());
		body.put("data", data);
		this.store.enqueue(UUID.randomUUID(), type, subjectType + ":" + subjectId, this.json.writeValueAsString(body), at,
				at.plus(this.properties.giveUpAfter()));
	}

}
