package io.c2cgateway.frameio;

/**
 * Where a paired device landed, from {@code GET /v2/devices/me}: Frame.io's project device and its
 * project. {@code projectName} is null when the answer carried no {@code project} object.
 */
public record FrameioDevice(String id, String name, String projectId, String projectName) {
}
