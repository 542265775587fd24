package io.c2cgateway.system;

import java.time.Duration;
import java.util.Map;

/** The caller holds as much of something as it may; it can try again once it holds less. */
public final class LimitReached extends DomainException {

	public LimitReached(String code, String detail, Duration retryAfter) {
		super(code, detail, Map.of(), retryAfter);
	}

}
