package io.c2cgateway.system;

import java.time.Duration;
import java.util.Map;

/** The gateway cannot do this right now (its database is away, it is shutting down); later it may. */
public final class TemporarilyUnavailable extends DomainException {

	public TemporarilyUnavailable(String code, String detail, Duration retryAfter) {
		super(code, detail, Map.of(), retryAfter);
	}

}
