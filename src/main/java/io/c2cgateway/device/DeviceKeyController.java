package io.c2cgateway.device;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.security.Caller;

/**
 * {@code POST /api/v1/pairings/{id}/device-key}: the device key of an authorized pairing, once
 * (STATION: its own pairings, ADMIN: any). Lives here rather than with pairings because the key is
 * the device's, and issuing it is custody's business.
 */
@RestController
class DeviceKeyController {

	private final DeviceService devices;

	DeviceKeyController(DeviceService devices) {
		this.devices = devices;
	}

	@PostMapping("/api/v1/pairings/{id}/device-key")
	ResponseEntity<DeviceService.IssuedDeviceKey> issue(@PathVariable String id, @AuthenticationPrincipal Caller caller) {
		return ResponseEntity.status(HttpStatus.CREATED)
			.cacheControl(CacheControl.noStore())
			.body(this.devices.issueForPairing(id, caller));
	}

}
