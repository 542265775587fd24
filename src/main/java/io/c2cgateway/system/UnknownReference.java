package io.c2cgateway.system;

import java.util.Map;

/** A well-formed request that refers to something the gateway does not know, such as a device model. */
public final class UnknownReference extends DomainException {

	public UnknownReference(String code, String detail) {
		super(code, detail, Map.of(), null);
	}

}
