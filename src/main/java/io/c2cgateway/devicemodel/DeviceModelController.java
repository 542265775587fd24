package io.c2cgateway.devicemodel;

import java.util.List;
import java.util.Map;

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
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.InvalidRequest;
import io.c2cgateway.system.NotFound;

@RestController
@RequestMapping("/api/v1/device-models")
class DeviceModelController {

	private final DeviceModelService models;

	DeviceModelController(DeviceModelService models) {
		this.models = models;
	}

	@PutMapping("/{model}")
	@ApiResponse(responseCode = "201", description = "Created")
	@ApiResponse(responseCode = "200", description = "Updated")
	ResponseEntity<DeviceModelView> put(@PathVariable String model, @Valid @RequestBody ModelRequest request,
			@AuthenticationPrincipal Caller caller) {
		List<FieldProblem> problems = DeviceModelService.problems(model, request.clientSecret(), request.scope(),
				request.defaultClientVersion());
		if (!problems.isEmpty()) {
			throw new InvalidRequest(problems);
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
		return this.models.find(model).orElseThrow(() -> new NotFound("Device model"));
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
