package io.c2cgateway.webhook;

import java.time.Instant;

/**
 * Where features report the state changes fleet systems subscribe to. Call it inside the
 * transaction of the change and after the subject's row was written (and so locked): the event is
 * stored with the change, or not at all, and events of one subject are numbered in commit order.
 */
public interface Outbox {

	/** For engines built without webhooks (tests that assemble one by hand). */
	Outbox NONE = (type, subjectType, subjectId, at) -> {
	};

	/**
	 * Records an event for every endpoint subscribed to {@code type}.
	 *
	 * @param type one of {@link WebhookEvents#TYPES}
	 * @param subjectType the kind of subject, as its {@link WebhookSubject} names it
	 * @param subjectId the subject's id
	 * @param at when the change happened (domain time)
	 */
	void publish(String type, String subjectType, String subjectId, Instant at);

}
