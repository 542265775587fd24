package io.c2cgateway.device;

import java.util.Optional;

import org.springframework.stereotype.Component;

import io.c2cgateway.webhook.WebhookSubject;

/** A device event's {@code data}: the device resource as {@code GET /api/v1/devices/{deviceId}} shows it. */
@Component
class DeviceWebhookSubject implements WebhookSubject {

	private final DeviceStore store;

	DeviceWebhookSubject(DeviceStore store) {
		this.store = store;
	}

	@Override
	public String subjectType() {
		return "device";
	}

	@Override
	public Optional<Object> render(String subjectId) {
		return this.store.find(subjectId).map(DeviceRow::view);
	}

}
