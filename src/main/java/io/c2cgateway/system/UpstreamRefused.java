package io.c2cgateway.system;

import java.util.Map;

/** Frame.io answered with an error; {@code upstreamError} says which. */
public final class UpstreamRefused extends UpstreamFailure {

	public UpstreamRefused(String detail, String upstreamError) {
		super("upstream_error", detail, Map.of("upstreamError", upstreamError), null);
	}

	public String upstreamError() {
		return (String) properties().get("upstreamError");
	}

}
