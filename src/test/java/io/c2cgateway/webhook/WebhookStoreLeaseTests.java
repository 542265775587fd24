package io.c2cgateway.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.c2cgateway.support.StoreSlice;

import static io.c2cgateway.system.SqlTime.utc;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery lease of the webhook outbox, against the shared test database without the
 * application. Each test runs in a transaction that is rolled back. Domain time is set in 1999 so
 * deliveries other test classes left in the shared database are never due here.
 */
@StoreSlice
class WebhookStoreLeaseTests {

	private static final Instant NOW = Instant.parse("1999-06-01T10:00:00Z");

	private static final Duration TTL = Duration.ofSeconds(30);

	@Autowired
	private JdbcClient jdbc;

	private WebhookStore store;

	private UUID endpoint;

	private long seq;

	@BeforeEach
	void store() {
		this.store = new WebhookStore(this.jdbc);
		this.endpoint = UUID.randomUUID();
		this.jdbc.sql("""
				insert into webhook_endpoint (id, url, events, secret_enc, created_at, updated_at)
				values (?, 'http://127.0.0.1:9/hook', array['pairing.denied'], 'sealed', ?, ?)
				""").params(this.endpoint, utc(NOW), utc(NOW)).update();
	}

	@Test
	void aClaimedDeliveryIsNotClaimedAgainWhileItsLeaseLives() {
		UUID id = delivery("pairing:1");

		assertThat(claim("replica-a~1")).containsExactly(id);
		assertThat(claim("replica-b~1")).isEmpty();
		assertThat(row(id)).containsEntry("lease_owner", "replica-a~1").containsEntry("attempts", 1);
	}

	@Test
	void aDeliveryWhoseLeaseRanOutIsClaimedByAnotherReplicaAndTheFirstCanNoLongerFinishIt() {
		UUID id = delivery("pairing:1");
		assertThat(claim("replica-a~1")).containsExactly(id);
		this.jdbc.sql("update webhook_delivery set lease_until = now() - interval '1 second' where id = ?").param(id).update();

		assertThat(claim("replica-b~1")).containsExactly(id);

		assertThat(this.store.delivered(id, "replica-a~1", 200, NOW)).isFalse();
		assertThat(this.store.attemptFailed(id, "replica-a~1", 500, "boom", null)).isFalse();
		assertThat(row(id)).containsEntry("status", "PENDING").containsEntry("attempts", 2);
		assertThat(this.store.delivered(id, "replica-b~1", 204, NOW)).isTrue();
		assertThat(row(id)).containsEntry("status", "DELIVERED").containsEntry("lease_owner", null);
	}

	@Test
	void aLaterDeliveryOfTheSameSubjectWaitsForTheEarlierOne() {
		UUID first = delivery("pairing:1");
		UUID second = delivery("pairing:1");
		UUID other = delivery("pairing:2");

		assertThat(claim("replica-a~1")).containsExactlyInAnyOrder(first, other);
		assertThat(this.store.delivered(first, "replica-a~1", 200, NOW)).isTrue();
		assertThat(claim("replica-a~1")).containsExactly(second);
	}

	@Test
	void aFailedAttemptIsDueAgainAtItsNextTimeAndFailsForGoodWithoutOne() {
		UUID id = delivery("pairing:1");
		claim("replica-a~1");

		assertThat(this.store.attemptFailed(id, "replica-a~1", 503, "unavailable", NOW.plusSeconds(60))).isTrue();
		assertThat(claim("replica-a~1")).as("not due yet").isEmpty();
		assertThat(this.store.claim("replica-a~1", TTL, NOW.plusSeconds(60), 10)).hasSize(1);
		assertThat(this.store.attemptFailed(id, "replica-a~1", 503, "unavailable", null)).isTrue();
		assertThat(row(id)).containsEntry("status", "FAILED").containsEntry("attempts", 2);
	}

	@Test
	void aHandedBackClaimDoesNotCountAsAnAttemptAndOnlyItsOwnerHandsItBack() {
		UUID id = delivery("pairing:1");
		claim("replica-a~1");

		this.store.handBack(id, "replica-b~1");
		assertThat(row(id)).containsEntry("lease_owner", "replica-a~1");
		this.store.handBack(id, "replica-a~1");
		assertThat(row(id)).containsEntry("lease_owner", null).containsEntry("attempts", 0);
		assertThat(claim("replica-b~1")).containsExactly(id);
	}

	private List<UUID> claim(String owner) {
		return this.store.claim(owner, TTL, NOW, 10)
			.stream()
			.filter((claimed) -> claimed.endpointId().equals(this.endpoint))
			.map(WebhookStore.Claimed::id)
			.toList();
	}

	private UUID delivery(String subject) {
		UUID id = UUID.randomUUID();
		this.jdbc.sql("""
				insert into webhook_delivery (id, endpoint_id, event_id, seq, event_type, subject, payload, occurred_at,
				    status, attempts, next_attempt_at, give_up_at, created_at)
				values (?, ?, ?, ?, 'pairing.denied', ?, '{}', ?, 'PENDING', 0, ?, ?, ?)
				""").params(id, this.endpoint, UUID.randomUUID(), ++this.seq, subject, utc(NOW), utc(NOW.minusSeconds(1)),
				utc(NOW.plusSeconds(3600)), utc(NOW)).update();
		return id;
	}

	private Map<String, Object> row(UUID id) {
		return this.jdbc.sql("select status, attempts, lease_owner from webhook_delivery where id = ?").param(id).query()
			.singleRow();
	}

}
