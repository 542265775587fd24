package io.c2cgateway.pairing;

import org.springframework.context.ApplicationContext;

/** For tests outside this package: one round of the lookups of where authorized devices landed. */
public final class FrameioDeviceLookupDriver {

	private FrameioDeviceLookupDriver() {
	}

	public static int runOnce(ApplicationContext context) {
		return context.getBean(FrameioDeviceLookups.class).runOnce();
	}

}
