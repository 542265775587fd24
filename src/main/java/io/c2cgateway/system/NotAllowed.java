package io.c2cgateway.system;

import java.util.Map;

/** The caller may not do this, whoever it is; unlike a missing role, this is about the request itself. */
public final class NotAllowed extends DomainException {

	public NotAllowed(String code, String detail) {
		super(code, detail, Map.of(), null);
	}

}
