package io.c2cgateway.ratelimit;

import org.springframework.stereotype.Component;

import io.c2cgateway.security.Caller;

/**
 * For requests that do the work of many, such as a batch of pairings: the rate limit filter
 * charged the request as one when it came in, and the handler charges the rest here once it
 * knows how many, before it does any of the work.
 * <p>
 * The rest is always taken, as debt where the bucket holds less: a request the filter let in is
 * never refused afterwards, and a batch larger than the key's burst stays possible (refusing it
 * until the bucket held enough would refuse it forever). The key pays the debt off by waiting:
 * its next requests get 429 {@code rate_limited} with {@code Retry-After} until the bucket has
 * refilled past it, so over time the key still sends no more than its limit.
 */
@Component
public class RateLimitCharges {

	private final RateLimitProperties properties;

	private final RateLimiter limiter;

	RateLimitCharges(RateLimitProperties properties, RateLimiter limiter) {
		this.properties = properties;
		this.limiter = limiter;
	}

	/** Charges {@code requests} more to the caller's key, beyond the one its request already cost. */
	public void chargeMore(Caller caller, int requests) {
		if (!this.properties.enabled() || caller == null || requests <= 0) {
			return;
		}
		this.limiter.charge(caller, requests);
	}

}
