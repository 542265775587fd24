package io.c2cgateway.system;

import java.util.Map;

/** The thing named does not exist, or the caller may not know that it does. */
public final class NotFound extends DomainException {

	public NotFound(String what) {
		super("not_found", what + " not found", Map.of(), null);
	}

}
