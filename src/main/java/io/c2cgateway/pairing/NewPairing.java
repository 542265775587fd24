package io.c2cgateway.pairing;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import io.c2cgateway.system.Patterns;

/** The body of {@code POST /api/v1/pairings}, also one item of a batch. */
public record NewPairing(
		@NotNull @Pattern(regexp = Patterns.DEVICE_ID, message = "must match " + Patterns.DEVICE_ID) String deviceId,
		@NotNull @Pattern(regexp = Patterns.MODEL, message = "must match " + Patterns.MODEL) String model,
		@Pattern(regexp = Patterns.SEMVER, message = "must be a semantic version") String clientVersion,
		Boolean urlPairing,
		@Min(value = 10, message = "must be between 10 and 86400") @Max(value = 86400, message = "must be between 10 and 86400") Integer timeoutSeconds) {

	static final int DEFAULT_TIMEOUT_SECONDS = 900;

}
