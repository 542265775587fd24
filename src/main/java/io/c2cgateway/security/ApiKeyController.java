package io.c2cgateway.security;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.system.NotFound;

@RestController
@RequestMapping("/api/v1/api-keys")
class ApiKeyController {

	private final ApiKeyService keys;

	ApiKeyController(ApiKeyService keys) {
		this.keys = keys;
	}

	@PostMapping
	@ApiResponse(responseCode = "201", description = "Created; `key` is shown only here")
	ResponseEntity<ApiKeyService.CreatedApiKey> create(@Valid @RequestBody NewApiKey request,
			@AuthenticationPrincipal Caller caller) {
		// Shown once: no cache may keep it, and the idempotency store keeps it one hour at most.
		return ResponseEntity.status(HttpStatus.CREATED)
			.cacheControl(CacheControl.noStore())
			.body(this.keys.create(request.name().trim(), Role.valueOf(request.role()), caller));
	}

	@GetMapping
	Map<String, List<ApiKeyView>> list() {
		return Map.of("items", this.keys.views());
	}

	/** Not in contract v1.2: an addition, so the bootstrap key need not stay usable in configuration. */
	@DeleteMapping("/bootstrap")
	@ApiResponse(responseCode = "204", description = "The bootstrap admin key stops working on every replica")
	@ApiResponse(responseCode = "409", description = "`no_other_admin_key`: no other ADMIN key works yet")
	ResponseEntity<Void> disableBootstrap(@AuthenticationPrincipal Caller caller) {
		this.keys.disableBootstrap(caller);
		return ResponseEntity.noContent().build();
	}

	@DeleteMapping("/{id}")
	@ApiResponse(responseCode = "204", description = "Revoked; the key stops working at once")
	ResponseEntity<Void> revoke(@PathVariable String id, @AuthenticationPrincipal Caller caller) {
		this.keys.revoke(parse(id), caller);
		return ResponseEntity.noContent().build();
	}

	private static UUID parse(String id) {
		try {
			return UUID.fromString(id);
		}
		catch (IllegalArgumentException ex) {
			throw new NotFound("API key");
		}
	}

}
