package io.c2cgateway.system;

import java.util.Map;

/**
 * The gateway failed, for a reason already logged where it happened (with its stack trace); this
 * only carries the news to a caller, such as one who waited on another's refresh.
 */
public final class InternalFailure extends DomainException {

	public InternalFailure(String detail) {
		super("internal_error", detail, Map.of(), null);
	}

}
