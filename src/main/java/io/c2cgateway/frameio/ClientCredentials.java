package io.c2cgateway.frameio;

import io.c2cgateway.crypto.Secret;

/**
 * Who a call is made for: the device model (whose secret it is, and whose calls share one rate
 * budget at Frame.io), the device's {@code client_id}, the model's secret, and the device's own
 * firmware version, sent as {@code x-client-version} on every call.
 */
public record ClientCredentials(String model, String clientId, Secret clientSecret, String clientVersion) {
}
