package io.c2cgateway.frameio;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.http.HttpHeaders;

import io.c2cgateway.support.IntegrationTest;
import io.c2cgateway.support.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The budget's order of service and its shared cap, with the real database the replicas share. */
class RateBudgetTests extends IntegrationTest {

	private static HttpHeaders retryAfter(String seconds) {
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, seconds);
		return headers;
	}

	@Test
	void pausedCallsWhenThePauseEndsThenRefreshesGoFirstAsProbeThenPollsThenNewCodes() {
		MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
		RateBudget budget = new RateBudget(null, clock,
				new RateBudgetProperties(0, Duration.ofSeconds(20), Duration.ofSeconds(1), Duration.ofSeconds(60)),
				new SimpleMeterRegistry(), "test");
		try {
			RateBudget.Ticket first = budget.acquire("cam-x", "token", RateBudget.Priority.POLL).block();
			assertThat(budget.observe(first, 429, retryAfter("1"))).isEqualTo(Duration.ofSeconds(1));
			budget.done(first);

			List<String> served = Collections.synchronizedList(new ArrayList<>());
			List<RateBudget.Ticket> tickets = Collections.synchronizedList(new ArrayList<>());
			wait(budget, RateBudget.Priority.NEW_CODE, "code", served, tickets);
			wait(budget, RateBudget.Priority.POLL, "poll", served, tickets);
			wait(budget, RateBudget.Priority.CUSTODY, "refresh", served, tickets);
			assertThat(served).as("nothing goes while paused").isEmpty();

			clock.advance(Duration.ofSeconds(1));
			await().atMost(Duration.ofSeconds(5)).until(() -> served.size() == 1);
			assertThat(served).containsExactly("refresh");
			assertThat(tickets.get(0).probe()).as("one call tries the water first").isTrue();

			budget.done(tickets.get(0));
			await().atMost(Duration.ofSeconds(5)).until(() -> served.size() == 3);
			assertThat(served).containsExactly("refresh", "poll", "code");
		}
		finally {
			budget.destroy();
		}
	}

	private static void wait(RateBudget budget, RateBudget.Priority priority, String name, List<String> served,
			List<RateBudget.Ticket> tickets) {
		budget.acquire("cam-x", "token", priority).subscribe((ticket) -> {
			tickets.add(ticket);
			served.add(name);
		});
	}

	@Test
	void probeAnsweredWith429ThenThePauseDoublesAndTheOthersKeepWaiting() {
		MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
		RateBudget budget = new RateBudget(null, clock, RateBudgetProperties.defaults(), new SimpleMeterRegistry(), "t");
		try {
			RateBudget.Ticket first = budget.acquire("cam-x", "device_code", RateBudget.Priority.NEW_CODE).block();
			assertThat(budget.observe(first, 429, new HttpHeaders())).isEqualTo(Duration.ofSeconds(1));
			budget.done(first);
			clock.advance(Duration.ofSeconds(1));
			RateBudget.Ticket probe = budget.acquire("cam-x", "device_code", RateBudget.Priority.NEW_CODE).block();
			assertThat(probe.go()).isTrue();
			assertThat(probe.probe()).isTrue();
			assertThat(budget.observe(probe, 429, new HttpHeaders())).isEqualTo(Duration.ofSeconds(2));
			budget.done(probe);
			RateBudget.Ticket refused = budget.acquire("cam-x", "device_code", RateBudget.Priority.NEW_CODE).block();
			assertThat(refused.go()).isFalse();
			assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(2));
		}
		finally {
			budget.destroy();
		}
	}

	@Test
	void maxRateWhenTwoReplicasCallAtOnceThenTheyShareOneCapThroughTheDatabase() {
		double rate = 40;
		RateBudgetProperties properties = new RateBudgetProperties(rate, Duration.ofSeconds(30), Duration.ofSeconds(1),
				Duration.ofSeconds(60));
		RateBudgetStore store = new RateBudgetStore(this.jdbc);
		// Start from an empty bucket, so the burst does not blur the rate.
		store.take(1_000, rate, rate);
		RateBudget a = new RateBudget(store, this.clock, properties, new SimpleMeterRegistry(), "a");
		RateBudget b = new RateBudget(new RateBudgetStore(this.jdbc), this.clock, properties, new SimpleMeterRegistry(),
				"b");
		try {
			int calls = 60;
			AtomicInteger byA = new AtomicInteger();
			AtomicInteger byB = new AtomicInteger();
			long start = System.nanoTime();
			List<Long> times = Flux.range(0, calls)
				.flatMap((i) -> ((i % 2 == 0) ? a : b).acquire("cam-x", "token", RateBudget.Priority.POLL)
					.doOnNext((ticket) -> ((i % 2 == 0) ? byA : byB).incrementAndGet())
					.map((ticket) -> {
						assertThat(ticket.go()).isTrue();
						return System.nanoTime() - start;
					}), calls)
				.collectList()
				.block(Duration.ofSeconds(30));
			double seconds = Collections.max(times) / 1e9;
			System.out.printf("max-rate %.0f/s: %d calls from two budgets took %.2f s (%.1f/s); a=%d b=%d%n", rate,
					calls, seconds, calls / seconds, byA.get(), byB.get());
			// 60 calls at 40 per second from an empty bucket: at least 1.5 s, whoever asks.
			assertThat(seconds).isGreaterThan((calls - 1) / rate * 0.9);
			assertThat(byA.get()).isEqualTo(calls / 2);
			assertThat(byB.get()).isEqualTo(calls / 2);
		}
		finally {
			a.destroy();
			b.destroy();
		}
	}

	@Test
	void maxRateWhenNegativeThenTheGatewayRefusesToStart() {
		assertThatThrownBy(() -> new RateBudget(null, this.clock,
				new RateBudgetProperties(-1, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(60)),
				new SimpleMeterRegistry(), "t"))
			.hasMessageContaining("GATEWAY_FRAMEIO_MAX_RATE");
	}

	@Test
	void noCapAndNoPauseThenEveryCallGoesAtOnce() {
		RateBudget budget = RateBudget.local(this.clock, new SimpleMeterRegistry());
		try {
			List<RateBudget.Ticket> tickets = Flux.range(0, 1000)
				.flatMap((i) -> budget.acquire("cam-x", "token", RateBudget.Priority.POLL))
				.collectList()
				.block(Duration.ofSeconds(5));
			assertThat(tickets).allMatch(RateBudget.Ticket::go);
		}
		finally {
			budget.destroy();
		}
	}

}
