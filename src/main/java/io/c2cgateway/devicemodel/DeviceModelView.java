package io.c2cgateway.devicemodel;

import java.time.Instant;

/** A device model as the API shows it: everything but the secret. */
public record DeviceModelView(String model, String scope, String defaultClientVersion, boolean urlPairing,
		Instant secretUpdatedAt, Instant createdAt, Instant updatedAt) {
}
