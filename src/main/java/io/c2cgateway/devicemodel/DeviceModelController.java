package io.c2cgateway.devicemodel;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.ApiException;
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.Patterns;

@RestController
@RequestMapping("/api/v1/device-models")
class DeviceModelController {

	private static final Pattern MODEL = Pattern.compile(Patterns.MODEL);

	private static final Pattern SEMVER = Pattern.compile(Patterns.SEMVER);

	private static final Pattern SCOPE = Pattern.compile("^\\s*(asset_create|offline)(\\s+(asset_create|offline))*\\s*$");

	private final DeviceModelService models;

	DeviceModelController(DeviceModelService models) {
		this.models = models;
	}

	@PutMapping("/{model}")
	@ApiResponse(responseCode = "201", description = "Created")
	@ApiResponse(responseCode = "200", description = "Updated")
	ResponseEntity<DeviceModelView> put(@PathVariable String model, @Valid @RequestBody ModelRequest request,
			@AuthenticationPrincipal Caller caller) {
		List<FieldProblem> problems = new java.util.ArrayList<>();
		if (!MODEL.matcher(model).matches()) {
			problems.add(new FieldProblem("model", "must match " + Patterns.MODEL));
		}
		if (request.clientSecret() != null && request.clientSecret().isBlank()) {
			problems.add(new FieldProblem("clientSecret", "must not be blank"));
		}
		if (request.scope() != null && !SCOPE.matcher(request.scope()).matches()) {
			problems.add(new FieldProblem("scope", "must be space separated values of asset_create, offline"));
		}
		else if (request.scope() != null && !List.of(request.scope().trim().split("\\s+")).contains("offline")) {
			// Without it Frame.io issues no refresh token: the gateway could never refresh the device.
			problems.add(new FieldProblem("scope", "must contain offline"));
		}
		if (request.defaultClientVersion() != null && !SEMVER.matcher(request.defaultClientVersion()).matches()) {
			problems.add(new FieldProblem("defaultClientVersion", "must be a semantic version"));
		}
		if (!problems.isEmpty()) {
			throw ApiException.validation(problems);
		}
		DeviceModelService.Saved saved = this.models.put(model,
				new DeviceModelService.ModelChange(
						(request.clientSecret() != null) ? Secret.of(request.clientSecret()) : null, request.scope(),
						request.defaultClientVersion(), request.urlPairing()),
				caller.actor());
		return ResponseEntity.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK).body(saved.model());
	}

	@GetMapping
	Map<String, List<DeviceModelView>> list() {
		return Map.of("items", this.models.list());
	}

	@GetMapping("/{model}")
	DeviceModelView get(@PathVariable String model) {
		return this.models.find(model).orElseThrow(() -> ApiException.notFound("Device model"));
	}

	@DeleteMapping("/{model}")
	@ApiResponse(responseCode = "204", description = "Deleted")
	@ApiResponse(responseCode = "409", description = "model_in_use: devices or live pairings use it")
	ResponseEntity<Void> delete(@PathVariable String model, @AuthenticationPrincipal Caller caller) {
		this.models.delete(model, caller.actor());
		return ResponseEntity.noContent().build();
	}

	record ModelRequest(@Size(max = 1024) String clientSecret, @Size(max = 64) String scope,
			@Size(max = 64) String defaultClientVersion, Boolean urlPairing) {

		@Override
		public String toString() {
			return "ModelRequest[clientSecret=***, scope=" + this.scope + "]";
		}

	}

}
