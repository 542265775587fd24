package io.c2cgateway.system;

import java.time.Duration;
import java.util.Map;

/** Frame.io did not do what the request needed; the gateway itself is fine. */
public abstract sealed class UpstreamFailure extends DomainException
		permits UpstreamRefused, UpstreamRateLimited, UpstreamUnavailable {

	UpstreamFailure(String code, String detail, Map<String, Object> properties, Duration retryAfter) {
		super(code, detail, properties, retryAfter);
	}

}
