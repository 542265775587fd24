package io.c2cgateway.device;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.InvalidRequest;
import io.c2cgateway.system.Patterns;
import io.c2cgateway.system.QueryParameters;

/**
 * {@code /api/v1/devices}: access tokens (DEVICE for itself, ADMIN), and for ADMIN the device
 * resource, revocation and re-keying. Roles are checked by the security configuration; which
 * device a DEVICE key may see is checked by the service.
 */
@RestController
@RequestMapping("/api/v1/devices")
class DeviceController {

	static final Set<String> STATES = Set.of("PAIRED", "REAUTH_REQUIRED", "REVOKED");

	private static final Pattern SEMVER = Pattern.compile(Patterns.SEMVER);

	private final DeviceService devices;

	DeviceController(DeviceService devices) {
		this.devices = devices;
	}

	@PostMapping("/{deviceId}/access-token")
	ResponseEntity<AccessTokenResponse> accessToken(@PathVariable String deviceId,
			@RequestBody(required = false) ClientVersionReport report, @AuthenticationPrincipal Caller caller) {
		String clientVersion = (report != null) ? report.clientVersion() : null;
		if (clientVersion != null && (clientVersion.length() > 64 || !SEMVER.matcher(clientVersion).matches())) {
			throw new InvalidRequest(
					List.of(new FieldProblem("clientVersion", "must be a semantic version of at most 64 characters")));
		}
		TokenRefresher.AccessToken token = this.devices.accessToken(deviceId, caller, clientVersion);
		return ResponseEntity.ok()
			.cacheControl(CacheControl.noStore())
			.body(new AccessTokenResponse(token.token().reveal(), "bearer", token.expiresAt()));
	}

	@GetMapping("/{deviceId}")
	DeviceView get(@PathVariable String deviceId) {
		return this.devices.get(deviceId);
	}

	@PostMapping("/{deviceId}/revoke")
	DeviceView revoke(@PathVariable String deviceId, @AuthenticationPrincipal Caller caller) {
		return this.devices.revoke(deviceId, caller);
	}

	@PostMapping("/{deviceId}/device-key")
	ResponseEntity<DeviceService.IssuedDeviceKey> rekey(@PathVariable String deviceId,
			@AuthenticationPrincipal Caller caller) {
		return ResponseEntity.status(HttpStatus.CREATED)
			.cacheControl(CacheControl.noStore())
			.body(this.devices.rekey(deviceId, caller));
	}

	@GetMapping
	DeviceService.Page list(@RequestParam(name = "state", required = false) List<String> states,
			@RequestParam(required = false) String model, @RequestParam(required = false) String refreshExpiresBefore,
			@RequestParam(required = false) String limit, @RequestParam(required = false) String cursor) {
		QueryParameters query = new QueryParameters();
		List<String> wanted = new ArrayList<>();
		if (states != null) {
			for (String state : states) {
				for (String one : state.split(",")) {
					if (STATES.contains(one.trim())) {
						wanted.add(one.trim());
					}
					else {
						query.reject("state", "must be one of PAIRED, REAUTH_REQUIRED, REVOKED");
					}
				}
			}
		}
		String byModel = query.text("model", model);
		Instant expiresBefore = query.instant("refreshExpiresBefore", refreshExpiresBefore);
		int size = query.limit(limit);
		String after = query.cursor(cursor, DeviceQuery::afterOf);
		query.throwIfInvalid();
		return this.devices.list(new DeviceQuery(wanted, byModel, expiresBefore, size, after));
	}

	/** The one response that carries a token. */
	record AccessTokenResponse(String accessToken, String tokenType, Instant expiresAt) {

		@Override
		public String toString() {
			return "AccessTokenResponse[accessToken=***, expiresAt=" + this.expiresAt + "]";
		}

	}

	/** What a device may report when it asks for a token: its firmware's version, when it changed. */
	record ClientVersionReport(String clientVersion) {
	}

}
