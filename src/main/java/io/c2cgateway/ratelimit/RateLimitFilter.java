package io.c2cgateway.ratelimit;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.ProblemResponses;
import io.c2cgateway.system.Problems;
import tools.jackson.databind.json.JsonMapper;

/**
 * 429 {@code rate_limited} with {@code Retry-After} for a key over its limit. Runs after the
 * security filter chain (whose order is -100), so the key is known and requests without a valid
 * key never cost a bucket; and before the idempotency filter, so a refused request stores nothing.
 */
@Component
@Order(0)
class RateLimitFilter extends OncePerRequestFilter {

	private final RateLimitProperties properties;

	private final RateLimiter limiter;

	private final JsonMapper json;

	private final MeterRegistry meters;

	RateLimitFilter(RateLimitProperties properties, RateLimiter limiter, JsonMapper json, MeterRegistry meters) {
		this.properties = properties;
		this.limiter = limiter;
		this.json = json;
		this.meters = meters;
		meters.gauge("gateway.rate_limit.keys", this.limiter, RateLimiter::trackedKeys);
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !this.properties.enabled() || !request.getRequestURI().startsWith("/api/");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Caller caller = Caller.current().orElse(null);
		if (caller == null) {
			chain.doFilter(request, response);
			return;
		}
		RateLimiter.Outcome outcome = this.limiter.tryAcquire(caller);
		if (outcome.allowed()) {
			chain.doFilter(request, response);
			return;
		}
		this.meters.counter("gateway.rate_limit.refused", "role", caller.role().name()).increment();
		ProblemResponses.write(response, this.json,
				Problems.of(HttpStatus.TOO_MANY_REQUESTS, "rate_limited", "Too many requests for this API key"),
				outcome.retryAfter());
	}

}
