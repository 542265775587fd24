package io.c2cgateway.system;

import java.util.Map;

/** Frame.io did not answer (in time, or at all). */
public final class UpstreamUnavailable extends UpstreamFailure {

	public UpstreamUnavailable(String detail) {
		super("upstream_unavailable", detail, Map.of(), null);
	}

}
