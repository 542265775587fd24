package io.c2cgateway.system;

import java.util.Map;

/** The request is understood but the state of what it names does not allow it now. */
public final class Conflict extends DomainException {

	public Conflict(String code, String detail) {
		super(code, detail, Map.of(), null);
	}

}
