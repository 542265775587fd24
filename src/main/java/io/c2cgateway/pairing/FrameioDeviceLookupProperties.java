package io.c2cgateway.pairing;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.c2cgateway.system.InvalidConfigurationException;

/**
 * The lookup of where an authorized pairing's device landed ({@code frameioDevice}).
 *
 * @param enabled whether this replica runs the lookups in the background (tests drive them by hand)
 * @param every how often it looks for due lookups
 * @param backoffBase wait after the first failed lookup; doubles per failure
 * @param backoffCap the longest wait between two attempts
 * @param giveUpAfter how long after the authorization a failing lookup is given up; the contract
 * promises retries for at least 10 minutes
 */
@ConfigurationProperties("gateway.pairings.frameio-device")
record FrameioDeviceLookupProperties(@DefaultValue("true") boolean enabled, @DefaultValue("1s") Duration every,
		@DefaultValue("2s") Duration backoffBase, @DefaultValue("2m") Duration backoffCap,
		@DefaultValue("30m") Duration giveUpAfter) {

	FrameioDeviceLookupProperties {
		if (!positive(every) || !positive(backoffBase) || !positive(backoffCap) || backoffCap.compareTo(backoffBase) < 0) {
			throw new InvalidConfigurationException("gateway.pairings.frameio-device is malformed: every, backoff-base and "
					+ "backoff-cap must be positive, backoff-cap at least backoff-base");
		}
		if (giveUpAfter == null || giveUpAfter.compareTo(Duration.ofMinutes(10)) < 0) {
			throw new InvalidConfigurationException(
					"gateway.pairings.frameio-device.give-up-after is malformed: it must be at least 10m");
		}
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

}
