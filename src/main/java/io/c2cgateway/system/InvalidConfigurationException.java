package io.c2cgateway.system;

/**
 * A required setting is missing or malformed. The message names the setting and what is wrong with
 * it, never its value: it is printed as the one line the service refuses to start with.
 */
public class InvalidConfigurationException extends RuntimeException {

	public InvalidConfigurationException(String message) {
		super(message, null, false, false);
	}

}
