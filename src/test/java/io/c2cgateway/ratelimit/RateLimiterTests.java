package io.c2cgateway.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import io.github.bucket4j.TimeMeter;
import org.junit.jupiter.api.Test;

import io.c2cgateway.security.Caller;
import io.c2cgateway.security.Role;
import io.c2cgateway.system.InvalidConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The limiter alone, on a clock the test moves. */
class RateLimiterTests {

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	private final TimeMeter time = new TimeMeter() {

		@Override
		public long currentTimeNanos() {
			return RateLimiterTests.this.nanos.get();
		}

		@Override
		public boolean isWallClockBased() {
			return false;
		}

	};

	@Test
	void acquireWhenBurstUsedThenRefusedWithWaitUntilNextRequestAndRefilledLater() {
		RateLimiter limiter = new RateLimiter(new RateLimitProperties(true, 2, Duration.ofSeconds(1), 4, null), this.time);
		Caller caller = caller("station");
		for (int i = 0; i < 4; i++) {
			assertThat(limiter.tryAcquire(caller).allowed()).isTrue();
		}
		RateLimiter.Outcome refused = limiter.tryAcquire(caller);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(500));

		this.nanos.addAndGet(Duration.ofMillis(500).toNanos());
		assertThat(limiter.tryAcquire(caller).allowed()).isTrue();
		assertThat(limiter.tryAcquire(caller).allowed()).isFalse();
	}

	@Test
	void acquireWhenKeysDifferThenEachHasItsOwnBucketAndNamedKeysTheirOwnLimit() {
		RateLimiter limiter = new RateLimiter(new RateLimitProperties(true, 50, Duration.ofSeconds(1), 100,
				Map.of("slow-station", new RateLimitProperties.Limit(1, Duration.ofMinutes(1), 1))), this.time);
		Caller slow = caller("slow-station");
		assertThat(limiter.tryAcquire(slow).allowed()).isTrue();
		RateLimiter.Outcome refused = limiter.tryAcquire(slow);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(1));
		// Another key of the same name has a bucket of its own.
		assertThat(limiter.tryAcquire(caller("slow-station")).allowed()).isTrue();
		assertThat(limiter.tryAcquire(caller("other")).remaining()).isEqualTo(99);
	}

	@Test
	void acquireWhenKeysIdleThenTheirFullBucketsAreForgotten() {
		RateLimiter limiter = new RateLimiter(new RateLimitProperties(true, 10, Duration.ofSeconds(1), 10, null), this.time);
		for (int i = 0; i < 5; i++) {
			limiter.tryAcquire(caller("station-" + i));
		}
		assertThat(limiter.trackedKeys()).isEqualTo(5);
		this.nanos.addAndGet(Duration.ofMinutes(2).toNanos());
		limiter.tryAcquire(caller("late"));
		assertThat(limiter.trackedKeys()).isEqualTo(1);
	}

	@Test
	void chargeWhenMoreThanTheBucketHoldsThenDebtIsKeptUntilRefilledAndNotForgottenMeanwhile() {
		RateLimiter limiter = new RateLimiter(new RateLimitProperties(true, 1, Duration.ofSeconds(1), 5, null), this.time);
		Caller caller = caller("station");
		assertThat(limiter.tryAcquire(caller).allowed()).isTrue();

		limiter.charge(caller, 100);

		// 5 - 1 - 100 = -96: 97 refills until the next request.
		RateLimiter.Outcome refused = limiter.tryAcquire(caller);
		assertThat(refused.allowed()).isFalse();
		assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(97));
		// A minute on, a sweep runs while the key is still in debt: the debt is not forgotten.
		this.nanos.addAndGet(Duration.ofSeconds(61).toNanos());
		limiter.tryAcquire(caller("other"));
		assertThat(limiter.trackedKeys()).isEqualTo(2);
		assertThat(limiter.tryAcquire(caller).retryAfter()).isEqualTo(Duration.ofSeconds(36));
		this.nanos.addAndGet(Duration.ofSeconds(36).toNanos());
		assertThat(limiter.tryAcquire(caller).allowed()).isTrue();
	}

	@Test
	void limiterWhenLimitMalformedThenRefusesToStart() {
		assertThatThrownBy(() -> new RateLimiter(new RateLimitProperties(true, 0, Duration.ofSeconds(1), 10, null)))
			.isInstanceOf(InvalidConfigurationException.class)
			.hasMessageContaining("gateway.rate-limit");
		assertThatThrownBy(() -> new RateLimiter(new RateLimitProperties(true, 1, Duration.ofSeconds(1), 10,
				Map.of("x", new RateLimitProperties.Limit(1, null, 1)))))
			.hasMessageContaining("gateway.rate-limit.keys.x");
	}

	private static Caller caller(String name) {
		return new Caller(UUID.randomUUID(), name, Role.STATION, null);
	}

}
