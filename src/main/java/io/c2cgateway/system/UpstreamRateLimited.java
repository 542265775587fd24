package io.c2cgateway.system;

import java.time.Duration;
import java.util.Map;

/** Frame.io asked the gateway to slow down; the caller may try again after {@code retryAfter}. */
public final class UpstreamRateLimited extends UpstreamFailure {

	public UpstreamRateLimited(String detail, Duration retryAfter) {
		super("upstream_rate_limited", detail, Map.of(), retryAfter);
	}

}
