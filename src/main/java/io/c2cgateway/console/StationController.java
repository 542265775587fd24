package io.c2cgateway.console;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

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

import io.c2cgateway.device.DeviceService;
import io.c2cgateway.pairing.NewPairing;
import io.c2cgateway.pairing.Pairing;
import io.c2cgateway.pairing.PairingService;
import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.DomainException;
import io.c2cgateway.system.DomainProblems;

/**
 * The station page: start a pairing, show its code to the person with the phone, follow it to the
 * end, and hand out the device key once. Calls the services the API calls, with the signed-in key
 * as the caller, so a page shows and allows exactly what that key may through the API.
 */
@Controller
class StationController {

	private static final Duration LANDING_WAIT = Duration.ofMinutes(15);

	private final PairingService pairings;

	private final DeviceService devices;

	private final Validator validator;

	private final Clock clock;

	StationController(PairingService pairings, DeviceService devices, Validator validator, Clock clock) {
		this.pairings = pairings;
		this.devices = devices;
		this.validator = validator;
		this.clock = clock;
	}

	@GetMapping("/console/pairings/new")
	String newPairing(Model model) {
		model.addAttribute("form", new StartForm("", "", ""));
		model.addAttribute("errors", Map.of());
		return "console/new-pairing";
	}

	@PostMapping("/console/pairings")
	String start(@RequestParam(defaultValue = "") String deviceId, @RequestParam(defaultValue = "") String model,
			@RequestParam(defaultValue = "") String clientVersion, @AuthenticationPrincipal Caller caller, Model page,
			HttpServletResponse response) {
		StartForm form = new StartForm(deviceId.trim(), model.trim(), clientVersion.trim());
		NewPairing request = new NewPairing(form.deviceId().isEmpty() ? null : form.deviceId(),
				form.model().isEmpty() ? null : form.model(), form.clientVersion().isEmpty() ? null : form.clientVersion(),
				null, null);
		Map<String, String> errors = new LinkedHashMap<>();
		Set<ConstraintViolation<NewPairing>> violations = this.validator.validate(request);
		for (ConstraintViolation<NewPairing> violation : violations) {
			errors.putIfAbsent(violation.getPropertyPath().toString(), violation.getMessage());
		}
		if (errors.isEmpty()) {
			try {
				Pairing pairing = this.pairings.start(request, caller).pairing();
				return "redirect:/console/pairings/" + pairing.id();
			}
			catch (DomainException ex) {
				if (DomainProblems.statusOf(ex).is5xxServerError()) {
					throw ex;
				}
				errors.put("unknown_model".equals(ex.code()) ? "model" : "form", ex.getMessage());
			}
		}
		response.setStatus(HttpStatus.UNPROCESSABLE_CONTENT.value());
		page.addAttribute("form", form);
		page.addAttribute("errors", errors);
		return "console/new-pairing";
	}

	@GetMapping("/console/pairings/{id}")
	String pairing(@PathVariable String id, @AuthenticationPrincipal Caller caller, Model model) {
		model.addAttribute("p", screen(this.pairings.get(id, caller)));
		return "console/pairing";
	}

	/** The live part of the station page, fetched again every second while the pairing is pending. */
	@GetMapping("/console/pairings/{id}/panel")
	String panel(@PathVariable String id, @AuthenticationPrincipal Caller caller, Model model,
			HttpServletResponse response) {
		response.setHeader("Cache-Control", "no-store");
		model.addAttribute("p", screen(this.pairings.get(id, caller)));
		return "console/pairing :: panel";
	}

	@PostMapping("/console/pairings/{id}/device-key")
	String deviceKey(@PathVariable String id, @AuthenticationPrincipal Caller caller, Model model,
			HttpServletResponse response) {
		DeviceService.IssuedDeviceKey issued = this.devices.issueForPairing(id, caller);
		// The one place the key exists in plaintext: no cache, no history copy.
		response.setHeader("Cache-Control", "no-store");
		model.addAttribute("pairingId", id);
		model.addAttribute("deviceId", issued.deviceId());
		model.addAttribute("deviceKey", issued.deviceKey());
		return "console/device-key";
	}

	private PairingScreen screen(Pairing pairing) {
		long left = (pairing.codeExpiresAt() != null)
				? Math.max(0, Duration.between(this.clock.instant(), pairing.codeExpiresAt()).toSeconds()) : 0;
		// Without URL pairing Frame.io sends no complete link: the QR code then opens the plain page.
		String link = (pairing.verificationUriComplete() != null) ? pairing.verificationUriComplete()
				: pairing.verificationUri();
		String qr = (pairing.isPending() && link != null) ? QrCodes.svg(link, "QR code of the verification link") : null;
		return new PairingScreen(pairing, link, qr, left, reason(pairing), awaitsLanding(pairing, this.clock));
	}

	/**
	 * Whether Frame.io may still say where an authorized device landed: the gateway asks it for at
	 * least ten minutes after authorization, so pages keep asking the gateway a little longer.
	 */
	static boolean awaitsLanding(Pairing pairing, Clock clock) {
		return pairing.is(PairingStatus.AUTHORIZED) && pairing.frameioDevice() == null
				&& pairing.completedAt() != null
				&& pairing.completedAt().plus(LANDING_WAIT).isAfter(clock.instant());
	}

	/** Why a pairing ended, for a person at a station rather than for a program. */
	static String reason(Pairing pairing) {
		return switch (pairing.statusValue()) {
			case EXPIRED -> "Nobody approved the code in time, so the pairing ran out.";
			case DENIED -> "The request was denied in Frame.io.";
			case CANCELLED -> "The pairing was cancelled.";
			case FAILED -> switch (String.valueOf(pairing.failureReason())) {
				case "invalid_client" -> "Frame.io does not accept this device model's credentials (invalid_client).";
				case "invalid_grant" -> "Frame.io no longer accepts this pairing's code (invalid_grant).";
				default -> "Frame.io refused the pairing (" + pairing.failureReason() + ").";
			};
			case PENDING, AUTHORIZED -> null;
		};
	}

	record StartForm(String deviceId, String model, String clientVersion) {
	}

	/**
	 * A pairing as the station page shows it. {@code fingerprint} changes whenever anything shown
	 * does, so the page swaps its panel only then.
	 */
	record PairingScreen(Pairing pairing, String link, String qrSvg, long secondsLeft, String reason,
			boolean awaitsLanding) {

		public String fingerprint() {
			return this.pairing.version() + ":" + (this.pairing.frameioDevice() != null);
		}

		/** Nothing more will change on the page: the page stops asking. */
		public boolean terminal() {
			return !this.pairing.isPending() && !this.awaitsLanding;
		}

		/** How often the page asks, in milliseconds: every second while a code is up, then slower. */
		public int interval() {
			return this.pairing.isPending() ? 1000 : 3000;
		}

		/** What the page's live region reads out when the panel changes: the status, and a new code. */
		public String announcement() {
			return switch (this.pairing.statusValue()) {
				case PENDING -> "Waiting for approval. Code " + String.join(" ", String.valueOf(this.pairing.userCode()).split(""))
						+ ((this.pairing.codesIssued() > 1) ? ", a new code." : ".");
				case AUTHORIZED -> "Paired.";
				case EXPIRED, DENIED, FAILED, CANCELLED ->
					this.pairing.status().charAt(0) + this.pairing.status().substring(1).toLowerCase() + ". "
							+ this.reason;
			};
		}

		public String countdown() {
			return (this.secondsLeft / 60) + ":" + String.format("%02d", this.secondsLeft % 60);
		}

	}

}
