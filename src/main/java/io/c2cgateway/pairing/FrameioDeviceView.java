package io.c2cgateway.pairing;

/** A pairing's {@code frameioDevice}: where Frame.io says the device landed. */
public record FrameioDeviceView(String id, String name, String projectId, String projectName) {
}
