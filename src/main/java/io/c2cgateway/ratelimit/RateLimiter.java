package io.c2cgateway.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.InvalidConfigurationException;

/**
 * One token bucket per API key, in this replica's memory: with N replicas behind a balancer a key
 * gets up to N times the limit, which is acceptable for a limit that protects the gateway from a
 * runaway client rather than metering anyone.
 */
class RateLimiter {

	/** A bucket that refilled completely is the same as a new one, so idle keys can be forgotten. */
	private static final long SWEEP_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

	private final RateLimitProperties properties;

	private final TimeMeter time;

	private final Map<UUID, Entry> buckets = new ConcurrentHashMap<>();

	private final AtomicLong lastSweep;

	RateLimiter(RateLimitProperties properties) {
		this(properties, TimeMeter.SYSTEM_NANOTIME);
	}

	RateLimiter(RateLimitProperties properties, TimeMeter time) {
		check("gateway.rate-limit", properties.defaultLimit());
		properties.keys().forEach((name, limit) -> check("gateway.rate-limit.keys." + name, limit));
		this.properties = properties;
		this.time = time;
		this.lastSweep = new AtomicLong(time.currentTimeNanos());
	}

	private static void check(String setting, RateLimitProperties.Limit limit) {
		if (limit == null || !limit.isValid()) {
			throw new InvalidConfigurationException(
					setting + " is malformed: requests, per and burst must all be positive");
		}
	}

	/** Takes one request from the caller's bucket; when it is empty, says how long until it is not. */
	Outcome tryAcquire(Caller caller) {
		sweepNowAndThen();
		Entry entry = this.buckets.computeIfAbsent(caller.keyId(), (id) -> newEntry(caller.name()));
		ConsumptionProbe probe = entry.bucket().tryConsumeAndReturnRemaining(1);
		if (probe.isConsumed()) {
			return new Outcome(true, probe.getRemainingTokens(), Duration.ZERO);
		}
		return new Outcome(false, 0, Duration.ofNanos(probe.getNanosToWaitForRefill()));
	}

	/**
	 * Takes {@code requests} more from the caller's bucket whatever it holds: what the bucket lacks
	 * becomes debt, which the key pays off by waiting before its next request is allowed.
	 */
	void charge(Caller caller, long requests) {
		sweepNowAndThen();
		Entry entry = this.buckets.computeIfAbsent(caller.keyId(), (id) -> newEntry(caller.name()));
		entry.bucket().consumeIgnoringRateLimits(requests);
	}

	int trackedKeys() {
		return this.buckets.size();
	}

	private Entry newEntry(String keyName) {
		RateLimitProperties.Limit limit = this.properties.keys().getOrDefault(keyName, this.properties.defaultLimit());
		Bandwidth bandwidth = Bandwidth.builder()
			.capacity(limit.burst())
			.refillGreedy(limit.requests(), limit.per())
			.build();
		Bucket bucket = Bucket.builder().addLimit(bandwidth).withCustomTimePrecision(this.time).build();
		return new Entry(bucket, limit.burst());
	}

	private void sweepNowAndThen() {
		long now = this.time.currentTimeNanos();
		long last = this.lastSweep.get();
		if (now - last < SWEEP_EVERY_NANOS || !this.lastSweep.compareAndSet(last, now)) {
			return;
		}
		this.buckets.entrySet().removeIf((e) -> e.getValue().bucket().getAvailableTokens() >= e.getValue().capacity());
	}

	record Outcome(boolean allowed, long remaining, Duration retryAfter) {
	}

	private record Entry(Bucket bucket, long capacity) {
	}

}
