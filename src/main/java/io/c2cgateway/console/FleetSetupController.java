package io.c2cgateway.console;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import io.c2cgateway.crypto.Secret;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.devicemodel.DeviceModelView;
import io.c2cgateway.security.ApiKeyService;
import io.c2cgateway.security.ApiKeyView;
import io.c2cgateway.security.Caller;
import io.c2cgateway.security.NewApiKey;
import io.c2cgateway.security.Role;
import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.NotFound;

/**
 * Device models (create, rotate the client secret, delete) and API keys (create, delete). A new
 * key is shown once, on the answer to the form that created it; secrets typed in are never shown.
 */
@Controller
class FleetSetupController {

	private static final String MODELS = FleetController.BASE + "/models";

	private static final String KEYS = FleetController.BASE + "/keys";

	private final DeviceModelService models;

	private final ApiKeyService keys;

	private final Validator validator;

	FleetSetupController(DeviceModelService models, ApiKeyService keys, Validator validator) {
		this.models = models;
		this.keys = keys;
		this.validator = validator;
	}

	@GetMapping(MODELS)
	String models(Model page) {
		return modelsPage(page, new ModelForm("", "asset_create offline", "", false), Map.of());
	}

	@PostMapping(MODELS)
	String createModel(@RequestParam(defaultValue = "") String model, @RequestParam(defaultValue = "") String clientSecret,
			@RequestParam(defaultValue = "") String scope, @RequestParam(defaultValue = "") String defaultClientVersion,
			@RequestParam(defaultValue = "false") boolean urlPairing, @AuthenticationPrincipal Caller caller, Model page,
			HttpServletResponse response, RedirectAttributes redirect) {
		ModelForm form = new ModelForm(model.trim(), scope.trim(), defaultClientVersion.trim(), urlPairing);
		Map<String, String> errors = new LinkedHashMap<>();
		if (clientSecret.isEmpty()) {
			errors.put("clientSecret", "is required");
		}
		for (FieldProblem problem : DeviceModelService.problems(form.model(), clientSecret.isEmpty() ? null : clientSecret,
				blankToNull(form.scope()), blankToNull(form.defaultClientVersion()))) {
			errors.putIfAbsent(problem.field(), problem.message());
		}
		if (errors.isEmpty() && this.models.find(form.model()).isPresent()) {
			// The API's PUT would update it; a create form that silently changed a model would surprise.
			errors.put("model", "already exists: rotate its secret in the table instead");
		}
		if (!errors.isEmpty()) {
			response.setStatus(HttpStatus.UNPROCESSABLE_CONTENT.value());
			return modelsPage(page, form, errors);
		}
		this.models.put(form.model(), new DeviceModelService.ModelChange(Secret.of(clientSecret),
				blankToNull(form.scope()), blankToNull(form.defaultClientVersion()), form.urlPairing()), caller.actor());
		redirect.addFlashAttribute("notice", "Created device model " + form.model() + ".");
		return "redirect:" + MODELS;
	}

	@PostMapping(MODELS + "/{model}/secret")
	String rotateSecret(@PathVariable String model, @RequestParam(defaultValue = "") String clientSecret,
			@AuthenticationPrincipal Caller caller, RedirectAttributes redirect) {
		DeviceModelView existing = this.models.find(model).orElseThrow(() -> new NotFound("Device model"));
		List<FieldProblem> problems = DeviceModelService.problems(existing.model(), clientSecret, null, null);
		if (clientSecret.isEmpty() || !problems.isEmpty()) {
			redirect.addFlashAttribute("problem", "The new secret of " + existing.model() + " must not be blank.");
			return "redirect:" + MODELS;
		}
		this.models.put(existing.model(), new DeviceModelService.ModelChange(Secret.of(clientSecret), null, null, null),
				caller.actor());
		redirect.addFlashAttribute("notice", "Rotated the client secret of " + existing.model() + ".");
		return "redirect:" + MODELS;
	}

	@GetMapping(MODELS + "/{model}/delete")
	String confirmDeleteModel(@PathVariable String model, Model page) {
		DeviceModelView existing = this.models.find(model).orElseThrow(() -> new NotFound("Device model"));
		page.addAttribute("title", "Delete device model " + existing.model() + "?");
		page.addAttribute("facts", List.of("Scope: " + existing.scope(),
				"Default client version: " + existing.defaultClientVersion(),
				"Created: " + FleetViews.time(existing.createdAt())));
		page.addAttribute("consequence", "Its client secret is destroyed. A model that devices or pending pairings "
				+ "still use cannot be deleted.");
		page.addAttribute("action", FleetViews.path(MODELS + "/{model}/delete", existing.model()));
		page.addAttribute("confirmLabel", "Delete " + existing.model());
		page.addAttribute("cancelUrl", MODELS);
		return "console/fleet/confirm";
	}

	@PostMapping(MODELS + "/{model}/delete")
	String deleteModel(@PathVariable String model, @AuthenticationPrincipal Caller caller, RedirectAttributes redirect) {
		try {
			this.models.delete(model, caller.actor());
			redirect.addFlashAttribute("notice", "Deleted device model " + model + ".");
		}
		catch (Conflict ex) {
			redirect.addFlashAttribute("problem", "Device model " + model + " was not deleted: " + ex.getMessage() + ".");
		}
		return "redirect:" + MODELS;
	}

	@GetMapping(KEYS)
	String keys(Model page) {
		return keysPage(page, new NewApiKey("", "STATION"), Map.of());
	}

	@PostMapping(KEYS)
	String createKey(@RequestParam(defaultValue = "") String name, @RequestParam(defaultValue = "") String role,
			@AuthenticationPrincipal Caller caller, Model page, HttpServletResponse response) {
		NewApiKey request = new NewApiKey(name.trim(), role.isEmpty() ? null : role);
		Map<String, String> errors = new LinkedHashMap<>();
		for (ConstraintViolation<NewApiKey> violation : this.validator.validate(request)) {
			errors.putIfAbsent(violation.getPropertyPath().toString(), violation.getMessage());
		}
		if (!errors.isEmpty()) {
			response.setStatus(HttpStatus.UNPROCESSABLE_CONTENT.value());
			return keysPage(page, request, errors);
		}
		ApiKeyService.CreatedApiKey created = this.keys.create(request.name(), Role.valueOf(request.role()), caller);
		// The one place the key exists in plaintext: no cache, no history copy, no redirect through the session.
		response.setHeader("Cache-Control", "no-store");
		page.addAttribute("created", created);
		return "console/fleet/key-created";
	}

	@GetMapping(KEYS + "/{id}/delete")
	String confirmDeleteKey(@PathVariable String id, Model page) {
		ApiKeyView key = key(id);
		page.addAttribute("title", "Delete key " + key.name() + "?");
		page.addAttribute("facts", List.of("Role: " + key.role().name(), "Created: " + FleetViews.time(key.createdAt())));
		page.addAttribute("consequence", "The key stops working at once, on the API and in the console; sessions "
				+ "signed in with it end at their next request. This cannot be undone.");
		page.addAttribute("action", FleetViews.path(KEYS + "/{id}/delete", key.id().toString()));
		page.addAttribute("confirmLabel", "Delete " + key.name());
		page.addAttribute("cancelUrl", KEYS);
		return "console/fleet/confirm";
	}

	@PostMapping(KEYS + "/{id}/delete")
	String deleteKey(@PathVariable String id, @AuthenticationPrincipal Caller caller, RedirectAttributes redirect) {
		ApiKeyView key = key(id);
		this.keys.revoke(key.id(), caller);
		redirect.addFlashAttribute("notice", "Deleted key " + key.name() + ".");
		return "redirect:" + KEYS;
	}

	private ApiKeyView key(String id) {
		UUID parsed;
		try {
			parsed = UUID.fromString(id);
		}
		catch (IllegalArgumentException ex) {
			throw new NotFound("API key");
		}
		return this.keys.views()
			.stream()
			.filter((key) -> key.id().equals(parsed))
			.findFirst()
			.orElseThrow(() -> new NotFound("API key"));
	}

	private String modelsPage(Model page, ModelForm form, Map<String, String> errors) {
		page.addAttribute("models", this.models.list()
			.stream()
			.map((model) -> new ModelRow(model.model(), model.scope(), model.defaultClientVersion(), model.urlPairing(),
					FleetViews.time(model.secretUpdatedAt()), FleetViews.time(model.createdAt()),
					FleetViews.path(MODELS + "/{model}/secret", model.model()),
					FleetViews.path(MODELS + "/{model}/delete", model.model())))
			.toList());
		page.addAttribute("form", form);
		page.addAttribute("errors", errors);
		return "console/fleet/models";
	}

	private String keysPage(Model page, NewApiKey form, Map<String, String> errors) {
		page.addAttribute("keys", this.keys.views().stream().map(FleetViews.KeyRow::of).toList());
		page.addAttribute("form", form);
		page.addAttribute("errors", errors);
		return "console/fleet/keys";
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

	record ModelForm(String model, String scope, String defaultClientVersion, boolean urlPairing) {
	}

	record ModelRow(String model, String scope, String defaultClientVersion, boolean urlPairing, String secretUpdated,
			String created, String rotateUrl, String deleteUrl) {
	}

}
