package io.c2cgateway.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import io.c2cgateway.device.DeviceQuery;
import io.c2cgateway.device.DeviceService;
import io.c2cgateway.device.DeviceView;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.QueryParameters;

/** Devices by state, and revocation behind a confirmation page (ADMIN only, like the API). */
@Controller
class FleetDevicesController {

	static final List<String> STATES = List.of("PAIRED", "REAUTH_REQUIRED", "REVOKED");

	private final DeviceService devices;

	private final DeviceModelService models;

	FleetDevicesController(DeviceService devices, DeviceModelService models) {
		this.devices = devices;
		this.models = models;
	}

	@GetMapping(FleetController.BASE + "/devices")
	String devices(@RequestParam(required = false) String state, @RequestParam(required = false) String model,
			@RequestParam(required = false) String cursor, Model page) {
		QueryParameters query = new QueryParameters();
		List<String> states = new ArrayList<>();
		if (state != null && !state.isBlank()) {
			if (STATES.contains(state)) {
				states.add(state);
			}
			else {
				query.reject("state", "must be one of PAIRED, REAUTH_REQUIRED, REVOKED");
			}
		}
		String byModel = query.text("model", model);
		String after = query.cursor(cursor, DeviceQuery::afterOf);
		query.throwIfInvalid();
		DeviceService.Page found = this.devices
			.list(new DeviceQuery(states, byModel, null, FleetController.PAGE_SIZE, after));
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("state", state);
		parameters.put("model", byModel);
		page.addAttribute("stateOptions", STATES.stream()
			.map((value) -> new FleetViews.Option(value, value, value.equals(state)))
			.toList());
		page.addAttribute("modelOptions", this.models.list()
			.stream()
			.map((value) -> new FleetViews.Option(value.model(), value.model(), value.model().equals(byModel)))
			.toList());
		page.addAttribute("rows", found.items().stream().map(FleetViews.DeviceRow::of).toList());
		if (found.nextCursor() != null) {
			Map<String, String> next = new LinkedHashMap<>(parameters);
			next.put("cursor", found.nextCursor());
			page.addAttribute("nextUrl", FleetViews.link(FleetController.BASE + "/devices", next));
		}
		page.addAttribute("firstUrl", (cursor != null && !cursor.isBlank())
				? FleetViews.link(FleetController.BASE + "/devices", parameters) : null);
		return "console/fleet/devices";
	}

	@GetMapping(FleetController.BASE + "/devices/{deviceId}/revoke")
	String confirmRevoke(@PathVariable String deviceId, Model page) {
		DeviceView device = this.devices.get(deviceId);
		page.addAttribute("title", "Revoke " + device.deviceId() + "?");
		page.addAttribute("what", "device");
		page.addAttribute("facts", List.of("Model: " + device.model(), "State: " + device.state(),
				"Paired: " + FleetViews.time(device.pairedAt())));
		page.addAttribute("consequence", "The device key stops working at once, and the gateway revokes the device's "
				+ "tokens at Frame.io. The device must be paired again to work. This cannot be undone.");
		page.addAttribute("action", FleetViews.path(FleetController.BASE + "/devices/{id}/revoke", device.deviceId()));
		page.addAttribute("confirmLabel", "Revoke " + device.deviceId());
		page.addAttribute("cancelUrl", modelsDevices(device.model()));
		return "console/fleet/confirm";
	}

	@PostMapping(FleetController.BASE + "/devices/{deviceId}/revoke")
	String revoke(@PathVariable String deviceId, @AuthenticationPrincipal Caller caller, RedirectAttributes redirect) {
		DeviceView revoked = this.devices.revoke(deviceId, caller);
		redirect.addFlashAttribute("notice", "Revoked " + revoked.deviceId() + ". Revocation at Frame.io: "
				+ revoked.upstreamRevocation() + ".");
		return "redirect:" + modelsDevices(revoked.model());
	}

	/** Back to the list the device is on: its model's devices (the whole list is paged by id). */
	private static String modelsDevices(String model) {
		return FleetViews.link(FleetController.BASE + "/devices", Map.of("model", model));
	}

}
