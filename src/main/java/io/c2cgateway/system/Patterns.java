package io.c2cgateway.system;

/** Patterns the contract pins. */
public final class Patterns {

	/** Semantic versioning 2.0.0. */
	public static final String SEMVER = "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
			+ "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
			+ "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";

	public static final String MODEL = "^[a-z0-9][a-z0-9._-]{0,63}$";

	public static final String DEVICE_ID = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";

	private Patterns() {
	}

}
