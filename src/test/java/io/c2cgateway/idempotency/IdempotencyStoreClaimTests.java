package io.c2cgateway.idempotency;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.c2cgateway.support.StoreSlice;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may run a request under an idempotency key, against the shared test database without the
 * application: JDBC, Flyway and this store only. Each test runs in a transaction that is rolled
 * back; ages are set by moving {@code claimed_at} and {@code expires_at} back.
 */
@StoreSlice
class IdempotencyStoreClaimTests {

	private static final Duration TTL = Duration.ofHours(24);

	private static final Duration STALE_AFTER = IdempotencyKeys.STALE_AFTER;

	private static final String HASH = "a".repeat(64);

	@Autowired
	private JdbcTemplate jdbc;

	private IdempotencyStore store;

	private UUID caller;

	@BeforeEach
	void store() {
		this.store = new IdempotencyStore(org.springframework.jdbc.core.simple.JdbcClient.create(this.jdbc));
		this.caller = UUID.randomUUID();
	}

	@Test
	void aKeyWhoseRunStillRefreshesItsClaimIsNotClaimedAgain() {
		assertThat(claim("k")).isPresent();
		age("k", Duration.ofSeconds(30));

		assertThat(claim("k")).isEmpty();
	}

	@Test
	void aKeyWhoseRunStoppedRefreshingOverTheStaleLimitIsTakenOverAndTheOldRunCannotComplete() {
		UUID dead = claim("k").orElseThrow();
		age("k", Duration.ofSeconds(61));

		UUID takeover = claim("k").orElseThrow();

		assertThat(takeover).isNotEqualTo(dead);
		assertThat(this.store.complete(this.caller, "k", dead, 201, "application/json", "sealed", TTL)).isFalse();
		assertThat(this.store.complete(this.caller, "k", takeover, 201, "application/json", "sealed", TTL)).isTrue();
		assertThat(this.store.find(this.caller, "k").orElseThrow().claim()).isEqualTo(takeover);
	}

	@Test
	void touchingARunningClaimKeepsItFromGoingStale() {
		UUID running = claim("k").orElseThrow();
		age("k", Duration.ofSeconds(61));

		this.store.touch(List.of(running));

		assertThat(claim("k")).isEmpty();
	}

	@Test
	void aFinishedResponseIsKeptUntilItExpiresThenTheKeyRunsAnew() {
		UUID first = claim("k").orElseThrow();
		assertThat(this.store.complete(this.caller, "k", first, 200, "application/json", "sealed", TTL)).isTrue();
		age("k", Duration.ofHours(2));
		assertThat(claim("k")).as("done, not expired, however old its claim").isEmpty();

		this.jdbc.update("update idempotency_key set expires_at = now() where idempotency_key = 'k' and caller_key_id = ?",
				this.caller);

		assertThat(this.store.find(this.caller, "k")).isEmpty();
		assertThat(claim("k")).isPresent();
	}

	@Test
	void keysAreScopedToTheCallingKey() {
		assertThat(claim("k")).isPresent();

		assertThat(this.store.claim(UUID.randomUUID(), "k", HASH, TTL, STALE_AFTER)).isPresent();
	}

	@Test
	void onlyTheClaimThatRanFreesTheKey() {
		UUID running = claim("k").orElseThrow();

		this.store.release(this.caller, "k", UUID.randomUUID());
		assertThat(this.store.find(this.caller, "k")).isPresent();

		this.store.release(this.caller, "k", running);
		assertThat(this.store.find(this.caller, "k")).isEmpty();
	}

	@Test
	void aKeyOfTheLongestAllowedLengthIsStored() {
		assertThat(claim("x".repeat(255))).isPresent();
	}

	private Optional<UUID> claim(String key) {
		return this.store.claim(this.caller, key, HASH, TTL, STALE_AFTER);
	}

	/** As if the run last refreshed its claim {@code ago}. */
	private void age(String key, Duration ago) {
		this.jdbc.update("""
				update idempotency_key set claimed_at = now() - make_interval(secs => ?)
				where caller_key_id = ? and idempotency_key = ?
				""", (double) ago.toSeconds(), this.caller, key);
	}

}
